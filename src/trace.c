// SPDX-License-Identifier: GPL-2.0
/*
 * Instantiate the tracepoints of both trace systems, procdesc and
 * procdesc32 (src/trace.h, src/trace32.h).
 */
#define CREATE_TRACE_POINTS
#include "trace.h"
#include "trace32.h"
