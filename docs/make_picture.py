"""Draw docs/schedules.png, the picture in the README: python docs/make_picture.py"""

from pathlib import Path

import jaxlrs

STEPS = 10_000
PEAK = 1e-3

SCHEDULES = {
    "warmup_cosine(1e-3, 500, 10_000)": jaxlrs.warmup_cosine(PEAK, 500, STEPS),
    "sgdr(1e-3, 1_000, period_mult=2, warmup=500)": jaxlrs.sgdr(
        PEAK, 1_000, period_mult=2, warmup=500
    ),
    "wsd(1e-3, 500, 10_000, 2_000)": jaxlrs.wsd(PEAK, 500, STEPS, 2_000),
    "one_cycle(1e-3, 10_000)": jaxlrs.one_cycle(PEAK, STEPS),
    "multistep(1e-3, [4_000, 7_000, 9_000], 0.3)": jaxlrs.multistep(
        PEAK, [4_000, 7_000, 9_000], 0.3
    ),
}


def main() -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5.2), layout="constrained")
    ax = fig.add_subplot()
    jaxlrs.plot(SCHEDULES, STEPS, ax, marks=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize="small")
    out = Path(__file__).with_name("schedules.png")
    fig.savefig(out, dpi=90)
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
