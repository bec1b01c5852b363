/* dnsglean — umbrella header: everything libdnsglean exports. */
#ifndef DNSGLEAN_H
#define DNSGLEAN_H
#include "dnsglean/common.h"
#include "dnsglean/wire.h"
#include "dnsglean/engine.h"
#include "dnsglean/loop.h"
#include "dnsglean/classify.h"
#include "dnsglean/spf.h"
#include "dnsglean/dmarc.h"
#include "dnsglean/footprint.h"
#include "dnsglean/footprint_io.h"
#include "dnsglean/axfr.h"
#include "dnsglean/walk.h"
#include "dnsglean/xfr_io.h"
#include "dnsglean/detect.h"
#include "dnsglean/frame.h"
#include "dnsglean/cof.h"
#include "dnsglean/zone.h"
#endif
