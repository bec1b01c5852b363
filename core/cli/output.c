/* Pieces of output the subcommands share: the result vocabulary (status
 * words, old spellings read back), the providers JSON array, and the
 * SIGINT/SIGTERM flag of the long-running commands. */
#include "cli.h"

#include <signal.h>
#include <string.h>

void dg_cli_json_strv(GString *s, char *const *v, size_t n)
{
        g_string_append_c(s, '[');
        for (size_t i = 0; i < n; i++) {
                if (i)
                        g_string_append_c(s, ',');
                dg_json_str(s, v[i]);
        }
        g_string_append_c(s, ']');
}

void dg_cli_json_providers(GString *s, const dg_fp_match_t *m, size_t n)
{
        g_string_append(s, "\"providers\":[");
        for (size_t i = 0; i < n; i++) {
                g_string_append(s, i ? ",{\"name\":" : "{\"name\":");
                dg_json_str(s, m[i].name);
                dg_json_field(s, "category", m[i].category);
                dg_json_field(s, "evidence", m[i].evidence);
                g_string_append_c(s, '}');
        }
        g_string_append_c(s, ']');
}

const char *dg_cli_status_read(const char *status, bool has_data, bool wildcard, const char **rcode)
{
        static const char *const words[] = {"found", "nodata", "nxdomain", "wildcard", "failed"};
        static const char *const rcodes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                             "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                             "NXRRSET", "NOTAUTH", "NOTZONE",  "FAILED"};
        if (rcode)
                *rcode = NULL;
        if (status == NULL)
                return NULL;
        for (size_t i = 0; i < G_N_ELEMENTS(words); i++)
                if (strcmp(status, words[i]) == 0)
                        return words[i];
        /* the old spelling: the rcode (or FAILED) stood in the status */
        for (size_t i = 0; i < G_N_ELEMENTS(rcodes); i++) {
                if (strcmp(status, rcodes[i]) != 0)
                        continue;
                if (rcode && i + 1 < G_N_ELEMENTS(rcodes))
                        *rcode = rcodes[i];
                if (i == 0)
                        return wildcard ? "wildcard" : has_data ? "found" : "nodata";
                return i == 3 ? "nxdomain" : "failed";
        }
        return NULL;
}

bool dg_cli_status_exists(const char *status)
{
        return status && (strcmp(status, "found") == 0 || strcmp(status, "nodata") == 0);
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
        (void)sig;
        stop_flag = 1;
}

volatile sig_atomic_t *dg_cli_catch_signals(void)
{
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        return &stop_flag;
}
