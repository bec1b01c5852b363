/* dg_strerror: one table for every error code. */
#include "dnsglean/common.h"

static const char *const dg_err_msg[] = {
    [0] = "success",
    [1] = "out of memory",
    [2] = "invalid argument",
    [3] = "malformed DNS message",
    [4] = "buffer too small",
    [5] = "parse error",
    [6] = "invalid domain name",
    [7] = "I/O error",
    [8] = "timed out",
    [9] = "response does not match the query",
    [10] = "no usable resolver",
    [11] = "try again",
    [12] = "not found",
    [13] = "state file does not match this run",
    [14] = "limit reached",
    [15] = "refused by the server",
    [16] = "connection closed by peer",
    [17] = "interrupted",
};

const char *dg_strerror(int err)
{
        if (err > 0 || err <= DG_ERR_LAST_)
                return "unknown error";
        return dg_err_msg[-err];
}

const char *dg_version(void)
{
        return DG_VERSION_STRING;
}
