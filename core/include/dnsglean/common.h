/* dnsglean — common definitions: export macro, error codes.
 *
 * Every fallible function of libdnsglean returns an int: 0 (DG_OK) on success
 * or one negative dg_err value. dg_strerror() turns it into a message.
 */
#ifndef DNSGLEAN_COMMON_H
#define DNSGLEAN_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(DG_BUILDING_LIBRARY)
#define DG_API __attribute__((visibility("default")))
#else
#define DG_API
#endif

/* Error codes: 0 for success, negative for failure. Keep dg_strerror's table
 * (core/src/err.c) in the same order. */
typedef enum {
        DG_OK = 0,
        DG_ENOMEM = -1,       /* allocation failed */
        DG_EINVAL = -2,       /* invalid argument or option */
        DG_EMALFORMED = -3,   /* malformed wire data */
        DG_ESPACE = -4,       /* output buffer too small */
        DG_EPARSE = -5,       /* text input could not be parsed */
        DG_ENAME = -6,        /* not a valid domain name */
        DG_EIO = -7,          /* I/O error (errno is set) */
        DG_ETIMEOUT = -8,     /* no answer in time */
        DG_EMISMATCH = -9,    /* response does not match a query */
        DG_ENORESOLVER = -10, /* no usable resolver */
        DG_EAGAIN = -11,      /* nothing to do now, try later */
        DG_ENOTFOUND = -12,   /* no such item */
        DG_ESTATE = -13,      /* state file does not match this run */
        DG_ELIMIT = -14,      /* a configured bound was reached */
        DG_EREFUSED = -15,    /* the server refused */
        DG_ECLOSED = -16,     /* peer closed the connection */
        DG_EINTR = -17,       /* interrupted by the user */
        DG_ERR_LAST_ = -18
} dg_err;

/* Returns a static, human-readable message for a dg_err value (any int is
 * accepted; unknown values give "unknown error"). Never NULL. */
DG_API const char *dg_strerror(int err);

/* Library version string, e.g. "0.1.0". Static storage. */
DG_API const char *dg_version(void);

#ifdef __cplusplus
}
#endif
#endif
