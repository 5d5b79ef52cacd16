// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The G.107 E-model as mos.h writes it down. */
#include <math.h>
#include "mos.h"

#define MOS_DELAY_FREE_MS	100.0	/* G.107's mT: no delay impairment below it */

/* v within [lo, hi]; NaN (which fmax drops) reads as lo. */
static double clamp(double v, double lo, double hi)
{
	return fmin(fmax(v, lo), hi);
}

struct mos_codec mos_codec_of(enum sdp_codec codec, bool plc)
{
	switch (codec) {
	case SDP_CODEC_PCMU:
	case SDP_CODEC_PCMA:
		return (struct mos_codec){ 0, plc ? 25.1 : 4.3 };
	case SDP_CODEC_G729:
		return (struct mos_codec){ 11, 19.0 };
	default:
		/* G.722, and codecs G.113 gives nothing for: mos.h says why */
		return (struct mos_codec){ 0, 25.1 };
	}
}

double mos_delay_impairment(double ta_ms)
{
	double x;

	if (!(ta_ms > MOS_DELAY_FREE_MS))
		return 0;
	x = log2(ta_ms / MOS_DELAY_FREE_MS);
	return 25 * (pow(1 + pow(x, 6), 1.0 / 6) - 3 * pow(1 + pow(x / 3, 6), 1.0 / 6) + 2);
}

double mos_r(const struct mos_input *in)
{
	struct mos_codec c = mos_codec_of(in->codec, in->plc);
	double ppl = clamp(in->loss_pct, 0, 100);
	double burst_r = fmax(in->burst_r, 1);
	double ta = fmax(in->delay_ms, 0) + 2 * fmax(in->jitter_ms, 0);
	double ie_eff = c.ie + (95 - c.ie) * ppl / (ppl / burst_r + c.bpl);

	return MOS_R_DEFAULT - mos_delay_impairment(ta) - ie_eff;
}

double mos_from_r(double r)
{
	if (!(r > 0))
		return 1;
	if (r >= 100)
		return 4.5;
	/* The cubic dips under 1 for R below about 6.5: clamped there too. */
	return fmax(1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6, 1);
}

double mos_estimate(const struct mos_input *in)
{
	return mos_from_r(mos_r(in));
}
