// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include "mos.h"
#include "testlib.h"

#define CHECK_NEAR(a, b, tol) do {					\
	double _a = (a), _b = (b);					\
	if (!(fabs(_a - _b) <= (tol))) {				\
		fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s == %.4f, "\
			"expected %.4f +- %g\n", __FILE__, __LINE__,	\
			#a, _a, _b, (double)(tol));			\
		tl_checks_failed++;					\
	}								\
} while (0)

/* G.107 Annex B's curve at the R values its figure B.1 marks. */
static void r_to_mos(void)
{
	static const struct { double r, mos; } points[] = {
		{ 93.2, 4.41 }, { 90, 4.34 }, { 80, 4.02 }, { 70, 3.60 },
		{ 60, 3.10 }, { 50, 2.58 }, { 100, 4.5 }, { 0, 1 },
	};

	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++)
		CHECK_NEAR(mos_from_r(points[i].r), points[i].mos, 0.005);
	CHECK_NEAR(mos_from_r(-20), 1, 0);
	CHECK_NEAR(mos_from_r(120), 4.5, 0);
	CHECK_NEAR(mos_from_r(NAN), 1, 0);
	/* monotonic on 0..100 */
	for (double r = 1; r <= 100; r += 1)
		CHECK(mos_from_r(r) >= mos_from_r(r - 1));
}

struct worked {
	const char *name;
	struct mos_input in;
	double r;
	double mos;
};

/* Worked from mos.h's formula: Ie,eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl).
 * G.729 at 2 %: 11 + 84 * 2 / 21 = 19, R 74.2. Loss above 100 % is 100 %:
 * G.711 without PLC, 95 * 100 / 104.3 = 91.08, R 2.12, whose MOS by the
 * formula (0.99) is clamped to 1. */
static const struct worked worked[] = {
	{ "G.711, no loss", { SDP_CODEC_PCMU, true, 0, 1, 0, 0 }, 93.2, 4.409 },
	{ "G.711 PLC, 1 %", { SDP_CODEC_PCMU, true, 1, 1, 0, 0 }, 89.560, 4.328 },
	{ "G.711 PLC, 2 %", { SDP_CODEC_PCMA, true, 2, 1, 0, 0 }, 86.189, 4.235 },
	{ "G.711 PLC, 5 %", { SDP_CODEC_PCMA, true, 5, 1, 0, 0 }, 77.419, 3.923 },
	/* voipmonitor #61: 10 % loss is no 4.5 */
	{ "G.711 PLC, 10 %", { SDP_CODEC_PCMU, true, 10, 1, 0, 0 }, 66.134, 3.411 },
	{ "G.711 no PLC, 1 %", { SDP_CODEC_PCMU, false, 1, 1, 0, 0 }, 75.275, 3.834 },
	{ "G.711 no PLC, 10 %", { SDP_CODEC_PCMU, false, 10, 1, 0, 0 }, 26.766, 1.481 },
	/* G.729: R 82.2 with no loss, the figure vendors quote */
	{ "G.729, no loss", { SDP_CODEC_G729, false, 0, 1, 0, 0 }, 82.2, 4.104 },
	{ "G.729, 2 %", { SDP_CODEC_G729, false, 2, 1, 0, 0 }, 74.200, 3.787 },
	{ "G.722, no loss", { SDP_CODEC_G722, false, 0, 1, 0, 0 }, 93.2, 4.409 },
	{ "unknown, 1 %", { SDP_CODEC_OTHER, false, 1, 1, 0, 0 }, 89.560, 4.328 },
	/* bursty loss costs more than random: Ppl / BurstR in the denominator */
	{ "G.711 PLC, 5 % burst 2", { SDP_CODEC_PCMU, true, 5, 2, 0, 0 }, 75.990, 3.864 },
	/* delay: Ta = D + 2 J, no impairment up to 100 ms */
	{ "jitter 50 ms", { SDP_CODEC_PCMU, true, 0, 1, 50, 0 }, 93.2, 4.409 },
	{ "jitter 50 ms, 100 ms away", { SDP_CODEC_PCMU, true, 0, 1, 50, 100 }, 90.156, 4.343 },
	{ "400 ms one way", { SDP_CODEC_PCMU, true, 0, 1, 0, 400 }, 69.130, 3.556 },
	/* hostile inputs are clamped */
	{ "loss above 100 %", { SDP_CODEC_PCMU, false, 250, 1, 0, 0 }, 2.117, 1 },
	{ "NaN everywhere", { SDP_CODEC_PCMU, true, NAN, NAN, NAN, NAN }, 93.2, 4.409 },
};

static void worked_values(void)
{
	for (size_t i = 0; i < sizeof(worked) / sizeof(worked[0]); i++) {
		const struct worked *w = &worked[i];

		if (fabs(mos_r(&w->in) - w->r) > 0.01 || fabs(mos_estimate(&w->in) - w->mos) > 0.005)
			fprintf(stderr, "%s: R %.3f MOS %.3f\n", w->name,
				mos_r(&w->in), mos_estimate(&w->in));
		CHECK_NEAR(mos_r(&w->in), w->r, 0.01);
		CHECK_NEAR(mos_estimate(&w->in), w->mos, 0.005);
	}
}

/* Idd: 0 up to 100 ms; X = 1 at 200 ms, X = 2 at 400 ms. */
static void delay_impairment(void)
{
	CHECK_NEAR(mos_delay_impairment(0), 0, 0);
	CHECK_NEAR(mos_delay_impairment(100), 0, 0);
	CHECK_NEAR(mos_delay_impairment(200), 3.044, 0.005);
	CHECK_NEAR(mos_delay_impairment(400), 24.070, 0.005);
	CHECK_NEAR(mos_delay_impairment(NAN), 0, 0);
	for (double ta = 110; ta <= 1000; ta += 10)
		CHECK(mos_delay_impairment(ta) > mos_delay_impairment(ta - 10));
}

/* MOS falls with loss, and with jitter past the delay G.107 forgives. */
static void falls_with_loss_and_jitter(void)
{
	struct mos_input in = { SDP_CODEC_PCMA, true, 0, 1, 0, 0 };
	double last = mos_estimate(&in);

	for (in.loss_pct = 0.5; in.loss_pct <= 30; in.loss_pct += 0.5) {
		CHECK(mos_estimate(&in) < last);
		last = mos_estimate(&in);
	}
	in.loss_pct = 1;
	last = mos_estimate(&in);
	for (in.jitter_ms = 55; in.jitter_ms <= 300; in.jitter_ms += 5) {
		CHECK(mos_estimate(&in) < last);
		last = mos_estimate(&in);
	}
}

static void codecs(void)
{
	CHECK_NEAR(mos_codec_of(SDP_CODEC_PCMU, true).bpl, 25.1, 0);
	CHECK_NEAR(mos_codec_of(SDP_CODEC_PCMA, false).bpl, 4.3, 0);
	CHECK_NEAR(mos_codec_of(SDP_CODEC_G729, true).ie, 11, 0);
	CHECK_NEAR(mos_codec_of(SDP_CODEC_G729, true).bpl, 19, 0);
	CHECK_NEAR(mos_codec_of(SDP_CODEC_G722, false).ie, 0, 0);
	CHECK_NEAR(mos_codec_of(SDP_CODEC_OTHER, false).bpl, 25.1, 0);
}

TEST_MAIN("mos",
	  TEST(r_to_mos),
	  TEST(worked_values),
	  TEST(delay_impairment),
	  TEST(falls_with_loss_and_jitter),
	  TEST(codecs))
