/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "procdesc" trace system: calls from native callers and descriptor
 * life events (see src/pd_events.h).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM procdesc

#if !defined(_PROCDESC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PROCDESC_TRACE_H

#include <linux/tracepoint.h>

#undef PD_SUFFIX
#define PD_SUFFIX
#include "pd_events.h"

#endif /* _PROCDESC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
