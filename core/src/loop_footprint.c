/* The blocking footprint driver: each phase's engine runs over the default
 * loop (loop.c), its results handed to the footprint. The footprint itself
 * (footprint.c) owns no socket. */
#include "dnsglean/footprint_io.h"
#include "dnsglean/loop.h"
#include "footprint_int.h"

static int on_result(void *ud, dg_result_t *r)
{
        dg_footprint_add_result(ud, r);
        return 0;
}

/* Runs one phase's engine to its end. Returns DG_OK, DG_EINTR (whenever *stop
 * is set) or the loop's dg_err. */
static int run_phase(dg_footprint_t *fp, dg_engine_t *e, volatile sig_atomic_t *stop)
{
        dg_loop_t *l = NULL;
        int rc = dg_loop_new(e, &l);
        if (rc != DG_OK)
                return rc;
        rc = dg_loop_run(l, on_result, NULL, fp, stop);
        dg_loop_free(l);
        if (stop && *stop)
                rc = DG_EINTR;
        return rc;
}

int dg_footprint_run(dg_footprint_t *fp, volatile sig_atomic_t *stop)
{
        if (fp == NULL)
                return DG_EINVAL;
        dg_engine_t *e;
        while ((e = dg_footprint_engine(fp)) != NULL) {
                int rc = run_phase(fp, e, stop);
                if (rc == DG_EINTR) {
                        dg_footprint_abandon(fp); /* report what was gathered */
                        return DG_EINTR;
                }
                if (rc != DG_OK)
                        return rc;
                if (dg_footprint_next_phase(fp) < 0)
                        return DG_ENOMEM;
        }
        return DG_OK;
}
