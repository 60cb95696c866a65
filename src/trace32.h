/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "procdesc32" trace system: calls from 32-bit callers through
 * compat_ioctl (see src/pd_events.h).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM procdesc32

#if !defined(_PROCDESC_TRACE32_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PROCDESC_TRACE32_H

#include <linux/tracepoint.h>

#undef PD_SUFFIX
#define PD_SUFFIX 32
#include "pd_events.h"

#endif /* _PROCDESC_TRACE32_H */

#undef TRACE_INCLUDE_PATH
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE trace32
#include <trace/define_trace.h>
