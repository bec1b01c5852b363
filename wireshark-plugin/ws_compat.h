/* dnsglean Wireshark plugin — the differences between the Wireshark
 * releases this plugin builds against, in one place.
 *
 * 4.0 (Debian 12): plugin_version / plugin_want_major / plugin_want_minor +
 * plugin_register; proto_item_set_generated is an inline function.
 * 4.2: adds the optional plugin_describe() (what kind of plugin this is), and
 * field_info.value becomes a pointer (we never read it: the plugin works on
 * the bytes of the DNS item, fi->ds_tvb / start / length, which 4.0 to 4.4
 * all keep).
 * 4.2: epan's prefs API moves from gboolean to C99 bool:
 * prefs_register_bool_preference() takes a bool * (int * on 4.0).
 * 4.4: the tap and uint/range prefs signatures used here are unchanged.
 */
#ifndef DG_WS_COMPAT_H
#define DG_WS_COMPAT_H

#include <stdbool.h>

#include <glib.h>
#include <ws_version.h>

#define DG_WS_VERSION (WIRESHARK_VERSION_MAJOR * 100 + WIRESHARK_VERSION_MINOR)

#if DG_WS_VERSION >= 402
#include <wsutil/plugins.h>
/* Declares plugin_describe for 4.2+, where the loader asks for it. */
#define DG_WS_PLUGIN_DESCRIBE                                                                      \
        WS_DLL_PUBLIC uint32_t plugin_describe(void);                                              \
        uint32_t plugin_describe(void)                                                             \
        {                                                                                          \
                return WS_PLUGIN_DESC_DISSECTOR | WS_PLUGIN_DESC_TAP_LISTENER;                     \
        }
/* The variable type behind a boolean preference. */
typedef bool dg_ws_pref_bool;
#else
#define DG_WS_PLUGIN_DESCRIBE
typedef gboolean dg_ws_pref_bool;
#endif

/* The time of a packet in seconds, computed exactly as `dnsglean pcap` does
 * so both feed the detector identical values. */
#define DG_WS_PINFO_SECONDS(pinfo)                                                                 \
        ((double)(pinfo)->abs_ts.secs + (double)(pinfo)->abs_ts.nsecs / 1e9)

#endif
