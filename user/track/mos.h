/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * An estimated MOS of one RTP stream by the ITU-T G.107 E-model, from what
 * a passive monitor measures: loss and jitter. Pure functions, no state.
 *
 *   R = R0 - Is - Id - Ie,eff + A
 *
 * - R0 - Is = 93.2: G.107's default values (its R with no impairment is
 *   93.2 with all the defaults, the default echo and sidetone terms
 *   included), A = 0 (no advantage claimed for any access).
 * - Id = Idd(Ta), the delay impairment of G.107 (06/2015) 7.2.4:
 *     Idd = 0                                              Ta <= 100 ms
 *     Idd = 25 ((1 + X^6)^(1/6) - 3 (1 + (X/3)^6)^(1/6) + 2)  Ta > 100 ms
 *     X = log2(Ta / 100)
 *   with the one-way delay Ta = D + 2 J: D the network's one-way delay
 *   when known (0 when not: a monitor on one link cannot see it), J the
 *   stream's mean interarrival jitter (RFC 3550 A.8), and 2 J the delay
 *   of a jitter buffer sized to absorb it (the usual rule for an
 *   adaptive buffer). The talker echo terms (Idte, Idle) stay at their
 *   defaults, inside the 93.2.
 * - Ie,eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl), Ppl the packets
 *   lost in percent of those expected, BurstR 1 for random loss (at
 *   least 1: sipxdp does not measure bursts, so it passes 1), Ie and Bpl
 *   the codec's (G.113 Appendix I):
 *     PCMU, PCMA (G.711)  Ie 0   Bpl 25.1 with PLC, 4.3 without
 *     G.729 (A, with VAD) Ie 11  Bpl 19.0
 *     G.722               Ie 0   Bpl 25.1: scored on the narrowband scale
 *                         as G.711 with PLC (G.722 conceals loss, and is
 *                         at least G.711's quality); G.107.1's wideband
 *                         scale would not compare with the other calls
 *     any other codec     Ie 0   Bpl 25.1: what the stream's loss and
 *                         delay would cost a G.711 call with PLC; not
 *                         its own codec's impairment, which G.113 does
 *                         not give for it
 * - MOS = 1 + 0.035 R + R (R - 60) (100 - R) 7e-6 for 0 < R < 100
 *   (G.107 Annex B), 1 at or below 0, 4.5 at or above 100; clamped to
 *   1..4.5 (the cubic dips just under 1 for R below 6.5).
 */
#ifndef SIPXDP_MOS_H
#define SIPXDP_MOS_H

#include <stdbool.h>
#include "sdp.h"

#define MOS_R_DEFAULT	93.2	/* R0 - Is with G.107's defaults */

struct mos_input {
	enum sdp_codec codec;
	bool plc;		/* G.711's receiver conceals loss: Appendix I's "with PLC" */
	double loss_pct;	/* Ppl, 0..100 (clamped; NaN reads as 0) */
	double burst_r;		/* BurstR: 1 for random loss; below 1 reads as 1 */
	double jitter_ms;	/* mean interarrival jitter; negative or NaN reads as 0 */
	double delay_ms;	/* one-way network delay; 0 when unknown */
};

/* A codec's equipment impairment and packet-loss robustness (G.113). */
struct mos_codec {
	double ie;
	double bpl;
};

struct mos_codec mos_codec_of(enum sdp_codec codec, bool plc);

/* Idd for a one-way delay of ta_ms. */
double mos_delay_impairment(double ta_ms);

/* R, and the MOS of an R. */
double mos_r(const struct mos_input *in);
double mos_from_r(double r);

/* mos_from_r(mos_r(in)). */
double mos_estimate(const struct mos_input *in);

#endif /* SIPXDP_MOS_H */
