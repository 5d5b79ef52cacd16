/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Names of the shared enums, as they appear in JSON and metric labels. */
#ifndef SIPXDP_SIP_NAMES_H
#define SIPXDP_SIP_NAMES_H

#include "sipxdp.h"

/* "INVITE", ..., "OTHER"; "UNKNOWN" for SIPXDP_M_UNKNOWN. */
const char *method_name(unsigned int method);
/* "sip", "not_sip", "truncated", "malformed", "fragment" (JSON "fragments" aside). */
const char *result_name(unsigned int result);
/* "ingress" or "egress". */
const char *direction_name(unsigned int direction);
/* "1xx".."6xx" for a code in 100..699, else NULL. */
const char *class_name(unsigned int code);
/* Index 0..5 of a code's class (code / 100 - 1), -1 outside 100..699. */
int class_index(unsigned int code);

#define ADDR_STR_LEN	46	/* INET6_ADDRSTRLEN */

/* An address the standard way (inet_ntop) into buf; returns buf. */
const char *format_addr(const struct sipxdp_addr *addr, char buf[ADDR_STR_LEN]);

#endif /* SIPXDP_SIP_NAMES_H */
