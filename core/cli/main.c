/* dnsglean — command line entry point: dispatches to the subcommands. */
#include "cli.h"

#include <locale.h>
#include <string.h>

static int cmd_version(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        printf("dnsglean %s\n", dg_version());
        return 0;
}

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
        const char *help;
} commands[] = {
    {"brute", dg_cmd_brute, "enumerate subdomains from a wordlist over many resolvers"},
    {"classify", dg_cmd_classify, "what zone-file records reveal (providers, takeover risk)"},
    {"footprint", dg_cmd_footprint, "a domain's providers and mail/DNS findings from its records"},
    {"merge", dg_cmd_merge, "join and reconcile shard outputs (JSON Lines)"},
    {"version", cmd_version, "print the version"},
    {"axfr", dg_cmd_axfr, "try a zone transfer (AXFR) on the zone's name servers"},
    {"walk", dg_cmd_walk, "walk a zone's NSEC chain or collect and crack NSEC3 hashes"},
    {"pcap", dg_cmd_pcap, "tag reconnaissance in a DNS capture (pcap, pcapng)"},
};

static void usage(FILE *f)
{
        fprintf(f, "Usage: dnsglean COMMAND [OPTIONS...]\n\nCommands:\n");
        for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
                fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
        fprintf(f, "\n'dnsglean COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
        setlocale(LC_ALL, "C");
        if (argc < 2) {
                usage(stderr);
                return 2;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
            strcmp(argv[1], "help") == 0) {
                usage(stdout);
                return 0;
        }
        if (strcmp(argv[1], "--version") == 0) {
                printf("dnsglean %s\n", dg_version());
                return 0;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
                if (strcmp(argv[1], commands[i].name) == 0) {
                        /* the subcommand sees argv[0] = "dnsglean COMMAND" */
                        char *prg = g_strdup_printf("dnsglean %s", commands[i].name);
                        g_set_prgname(prg);
                        argv[1] = prg;
                        int rc = commands[i].fn(argc - 1, argv + 1);
                        g_free(prg);
                        return rc;
                }
        }
        fprintf(stderr, "dnsglean: unknown command '%s' (see 'dnsglean --help')\n", argv[1]);
        return 2;
}
