// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <stddef.h>
#include <sys/socket.h>
#include "sip_names.h"

static const char *const method_names[SIPXDP_METHOD_MAX] = {
	[SIPXDP_M_UNKNOWN] = "UNKNOWN",
	[SIPXDP_M_INVITE] = "INVITE",
	[SIPXDP_M_ACK] = "ACK",
	[SIPXDP_M_BYE] = "BYE",
	[SIPXDP_M_CANCEL] = "CANCEL",
	[SIPXDP_M_REGISTER] = "REGISTER",
	[SIPXDP_M_OPTIONS] = "OPTIONS",
	[SIPXDP_M_PRACK] = "PRACK",
	[SIPXDP_M_SUBSCRIBE] = "SUBSCRIBE",
	[SIPXDP_M_NOTIFY] = "NOTIFY",
	[SIPXDP_M_PUBLISH] = "PUBLISH",
	[SIPXDP_M_INFO] = "INFO",
	[SIPXDP_M_REFER] = "REFER",
	[SIPXDP_M_MESSAGE] = "MESSAGE",
	[SIPXDP_M_UPDATE] = "UPDATE",
	[SIPXDP_M_OTHER] = "OTHER",
};

static const char *const result_names[SIPXDP_RESULT_MAX] = {
	[SIPXDP_RES_SIP] = "sip",
	[SIPXDP_RES_NOT_SIP] = "not_sip",
	[SIPXDP_RES_TRUNCATED] = "truncated",
	[SIPXDP_RES_MALFORMED] = "malformed",
	[SIPXDP_RES_FRAGMENT] = "fragment",
};

static const char *const class_names[6] = { "1xx", "2xx", "3xx", "4xx", "5xx", "6xx" };

const char *method_name(unsigned int method)
{
	return method < SIPXDP_METHOD_MAX ? method_names[method] : "OTHER";
}

const char *result_name(unsigned int result)
{
	return result < SIPXDP_RESULT_MAX ? result_names[result] : "unknown";
}

const char *direction_name(unsigned int direction)
{
	return direction == SIPXDP_DIR_EGRESS ? "egress" : "ingress";
}

int class_index(unsigned int code)
{
	return code >= 100 && code <= 699 ? (int)(code / 100) - 1 : -1;
}

const char *class_name(unsigned int code)
{
	int i = class_index(code);

	return i < 0 ? NULL : class_names[i];
}

const char *format_addr(const struct sipxdp_addr *addr, char buf[ADDR_STR_LEN])
{
	int family = addr->family == AF_INET6 ? AF_INET6 : AF_INET;

	if (!inet_ntop(family, addr->bytes, buf, ADDR_STR_LEN))
		buf[0] = '\0';
	return buf;
}
