/* Passive DNS over HTTPS (--pdns URL): a CIRCL-style service answers
 * GET URL/DOMAIN, behind HTTP basic authentication, with COF records, one
 * JSON object per line (https://www.circl.lu/services/passive-dns/). The
 * body is split into lines as it arrives and handed to pdns.c, which takes
 * them as it takes a file's lines; any failure before the body's end fails
 * the whole load, so a cut answer is never used as if complete. */
#include "cli.h"
#include "pdns.h"

#include <curl/curl.h>
#include <dnsglean/cof.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT 30  /* seconds without data */
#define TOTAL_TIMEOUT 600   /* seconds for the whole transfer */
#define MAX_LINE (1u << 20) /* a longer line is no COF record */
#define MAX_WAIT 30         /* longest Retry-After obeyed, seconds */
#define MAX_RETRIES 2       /* after a 429 or 503 */
#define ERROR_BODY_KEEP 200 /* octets of an error answer quoted */
#define AUTH_ENV "DNSGLEAN_PDNS_AUTH"

void dg_pdns_http_opts_clear(dg_pdns_http_opts_t *h)
{
        g_free(h->auth);
        g_free(h->cacert);
        h->auth = h->cacert = NULL;
}

bool dg_pdns_is_url(const char *src)
{
        const char *s = src ? strstr(src, "://") : NULL;
        if (s == NULL || s == src)
                return false;
        for (const char *c = src; c < s; c++)
                if (!g_ascii_isalpha(*c))
                        return false;
        return true;
}

/* "user:password" from --pdns-auth FILE (first line) or the environment
 * into *out (g_malloc'd; NULL when neither is given). Returns 0 or -1 with
 * *err. */
static int load_auth(const char *cmd, const dg_pdns_http_opts_t *h, char **out, char **err)
{
        *out = NULL;
        char *s = NULL;
        const char *from = h ? h->auth : NULL;
        if (from) {
                GError *ge = NULL;
                if (!g_file_get_contents(h->auth, &s, NULL, &ge)) {
                        *err = g_strdup_printf("--pdns-auth: %s", ge->message);
                        g_error_free(ge);
                        return -1;
                }
                struct stat st;
                if (stat(h->auth, &st) == 0 && (st.st_mode & 077))
                        dg_cli_error(cmd, "warning: %s can be read by others (chmod 600 it)",
                                     h->auth);
                s[strcspn(s, "\r\n")] = 0;
        } else if (getenv(AUTH_ENV) && *getenv(AUTH_ENV)) {
                s = g_strdup(getenv(AUTH_ENV));
                from = "$" AUTH_ENV;
        } else {
                return 0;
        }
        char *colon = strchr(s, ':');
        if (colon == NULL || colon == s) {
                *err = g_strdup_printf("%s: expected user:password on its first line", from);
                g_free(s);
                return -1;
        }
        *out = s;
        return 0;
}

typedef struct {
        CURL *curl;
        void (*line)(void *ud, const char *s, size_t len);
        void *ud;
        GString *buf;   /* the current, unfinished line */
        GString *ebody; /* start of a non-200 answer's body */
        long status;    /* HTTP status, once known */
        char *err;      /* why the write callback stopped the transfer */
} fetch_t;

static void emit_lines(fetch_t *f)
{
        char *s = f->buf->str;
        char *nl;
        size_t done = 0;
        while ((nl = memchr(s + done, '\n', f->buf->len - done)) != NULL) {
                f->line(f->ud, s + done, (size_t)(nl - (s + done)));
                done = (size_t)(nl - s) + 1;
        }
        g_string_erase(f->buf, 0, (gssize)done);
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
        fetch_t *f = ud;
        size_t len = size * n;
        if (f->status == 0)
                curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &f->status);
        if (f->status != 200) {
                if (f->ebody->len < ERROR_BODY_KEEP)
                        g_string_append_len(f->ebody, data,
                                            (gssize)MIN(len, ERROR_BODY_KEEP - f->ebody->len));
                return len;
        }
        g_string_append_len(f->buf, data, (gssize)len);
        emit_lines(f);
        if (f->buf->len > MAX_LINE) {
                f->err = g_strdup_printf("a line longer than %u octets: not COF", MAX_LINE);
                return 0; /* stops the transfer: CURLE_WRITE_ERROR */
        }
        return len;
}

/* A one-line excerpt of an error answer's body, or "" (g_malloc'd). */
static char *excerpt(const GString *b)
{
        if (b->len == 0)
                return g_strdup("");
        char *s = g_strndup(b->str, b->len);
        for (char *c = s; *c; c++)
                if (!g_ascii_isprint(*c))
                        *c = ' ';
        char *r = g_strdup_printf(" (server said: %s)", g_strstrip(s));
        g_free(s);
        return r;
}

/* The message for a complete answer whose status is not 200. */
static char *status_error(fetch_t *f, bool have_auth)
{
        char *ex = excerpt(f->ebody);
        /* the Location header as sent: CURLINFO_REDIRECT_URL would carry
         * the credentials in its user-info part */
        struct curl_header *hd = NULL;
        const char *loc = NULL;
        char *m;
        if (curl_easy_header(f->curl, "Location", 0, CURLH_HEADER, -1, &hd) == CURLHE_OK)
                loc = hd->value;
        long s = f->status;
        if (s == 401 && have_auth)
                m = g_strdup_printf("HTTP 401: the server refused the credentials%s", ex);
        else if (s == 401)
                m = g_strdup_printf("HTTP 401: authentication required: give --pdns-auth FILE "
                                    "(user:password) or set %s%s",
                                    AUTH_ENV, ex);
        else if (s == 403)
                m = g_strdup_printf("HTTP 403: access forbidden for these credentials%s", ex);
        else if (s == 404)
                m = g_strdup_printf("HTTP 404: not found: is the URL the service's query "
                                    "endpoint (as https://HOST/pdns/query)?%s",
                                    ex);
        else if (s == 429)
                m = g_strdup_printf("HTTP 429: rate limited by the server; try again later%s", ex);
        else if (s >= 300 && s < 400)
                m = g_strdup_printf("HTTP %ld: redirected to %s; redirects are not followed: "
                                    "give the final URL",
                                    s, loc ? loc : "(no Location)");
        else if (s >= 500)
                m = g_strdup_printf("HTTP %ld: server error%s", s, ex);
        else
                m = g_strdup_printf("HTTP %ld: unexpected status%s", s, ex);
        g_free(ex);
        return m;
}

/* The message for a transfer that did not end well. */
static char *transfer_error(fetch_t *f, CURLcode rc, const char *ebuf, long timeout)
{
        if (rc == CURLE_WRITE_ERROR && f->err)
                return g_strdup(f->err);
        const char *what = *ebuf ? ebuf : curl_easy_strerror(rc);
        switch (rc) {
        case CURLE_OPERATION_TIMEDOUT:
                return g_strdup_printf("timed out (no data for %ld s, or over %d s in all): %s",
                                       timeout, TOTAL_TIMEOUT, what);
        case CURLE_PARTIAL_FILE:
        case CURLE_RECV_ERROR:
                return g_strdup_printf("the answer was cut short (%s): its records are not used",
                                       what);
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CONNECT_ERROR:
                return g_strdup_printf("TLS: %s (a private CA is given with --cacert FILE)", what);
        case CURLE_UNSUPPORTED_PROTOCOL:
                return g_strdup_printf("only https:// URLs are fetched: %s", what);
        default:
                return g_strdup_printf("%s", what);
        }
}

/* Sets up the handle for one GET of url. */
static void setup(CURL *c, const char *url, const char *auth, const dg_pdns_http_opts_t *h,
                  long timeout, const char *agent, fetch_t *f)
{
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_USERAGENT, agent);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeout);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)TOTAL_TIMEOUT);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
        if (auth) {
                curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
                curl_easy_setopt(c, CURLOPT_USERPWD, auth);
        }
        if (h && h->cacert)
                curl_easy_setopt(c, CURLOPT_CAINFO, h->cacert);
}

/* One GET. Returns 0 (a whole 200 answer), 1 (retry after *wait seconds:
 * nothing was handed on) or -1 with *err. */
static int get_once(CURL *c, fetch_t *f, bool have_auth, long timeout, int tries_left, long *wait,
                    char **err)
{
        char ebuf[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
        CURLcode rc = curl_easy_perform(c);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
        if (rc != CURLE_OK) {
                *err = transfer_error(f, rc, ebuf, timeout);
                return -1;
        }
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
        if (f->status == 200) {
                if (f->buf->len > 0) {
                        /* a last line without its newline: whole, or cut? */
                        dg_cof_record_t *r = NULL;
                        if (dg_cof_parse(f->buf->str, f->buf->len, &r, NULL) != DG_OK) {
                                *err = g_strdup("the answer ends in a cut line (no newline, "
                                                "not a record): its records are not used");
                                return -1;
                        }
                        dg_cof_record_free(r);
                        f->line(f->ud, f->buf->str, f->buf->len);
                }
                return 0;
        }
        curl_off_t ra = -1;
        curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &ra);
        if ((f->status == 429 || f->status == 503) && ra >= 0 && ra <= MAX_WAIT && tries_left > 0) {
                *wait = (long)ra;
                return 1;
        }
        *err = status_error(f, have_auth);
        if ((f->status == 429 || f->status == 503) && ra > MAX_WAIT) {
                char *m = g_strdup_printf("%s; it asks to wait %lld s", *err, (long long)ra);
                g_free(*err);
                *err = m;
        }
        return -1;
}

int dg_pdns_http_get(const char *cmd, const char *url, const char *domain,
                     const dg_pdns_http_opts_t *h,
                     void (*line)(void *ud, const char *s, size_t len), void *ud, char **err)
{
        *err = NULL;
        if (g_ascii_strncasecmp(url, "https://", 8) != 0) {
                *err = g_strdup_printf("%s: only https:// URLs are fetched (credentials never "
                                       "travel in the clear)",
                                       url);
                return -1;
        }
        if (domain[strspn(domain,
                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")]) {
                *err = g_strdup_printf("%s: not a domain to put in a URL", domain);
                return -1;
        }
        if (h && h->timeout < 0) {
                *err = g_strdup_printf("--pdns-timeout %d: not a number of seconds", h->timeout);
                return -1;
        }
        char *auth = NULL;
        if (load_auth(cmd, h, &auth, err) != 0)
                return -1;
        long timeout = h && h->timeout > 0 ? h->timeout : DEFAULT_TIMEOUT;
        size_t ul = strlen(url);
        char *full = g_strdup_printf("%s%s%s", url, ul && url[ul - 1] == '/' ? "" : "/", domain);
        char *agent = g_strdup_printf("dnsglean/%s", dg_version());
        curl_global_init(CURL_GLOBAL_DEFAULT);
        CURL *c = curl_easy_init();
        int rc = -1;
        char *why = NULL;
        if (c == NULL) {
                why = g_strdup("cannot set up libcurl");
        } else {
                for (int tries = MAX_RETRIES;; tries--) {
                        fetch_t f = {c, line, ud, g_string_new(NULL), g_string_new(NULL), 0, NULL};
                        setup(c, full, auth, h, timeout, agent, &f);
                        long wait = 0;
                        rc = get_once(c, &f, auth != NULL, timeout, tries, &wait, &why);
                        g_string_free(f.buf, TRUE);
                        g_string_free(f.ebody, TRUE);
                        g_free(f.err);
                        if (rc != 1)
                                break;
                        dg_cli_error(cmd, "%s: HTTP %ld, retrying in %ld s", full, f.status, wait);
                        sleep((unsigned)wait);
                }
                curl_easy_cleanup(c);
        }
        curl_global_cleanup();
        if (rc != 0)
                *err = g_strdup_printf("passive DNS %s: %s", full, why);
        g_free(why);
        if (auth)
                memset(auth, 0, strlen(auth));
        g_free(auth);
        g_free(full);
        g_free(agent);
        return rc == 0 ? 0 : -1;
}
