#!/usr/bin/env python3
"""Plots docs/linearity.csv (scripts/linearity.sh) as an SVG with no dependencies: CPU time
(left; the wall time on the shared machine is mostly the other jobs' at small sizes, and is in
the CSV and the table) and peak memory (right) against input size, both axes logarithmic, one line per
kind of input, with a dotted line of slope 1 (cost proportional to size) for reference. On
log-log axes a linear cost is a straight line of slope 1; a quadratic one would rise twice as
steeply. Points answered by the deadline or refused by a cap are ringed.

    python3 scripts/linearity-plot.py docs/linearity.csv docs/linearity.svg
"""
import csv
import math
import sys

COLOURS = {"bash": "#1b6ca8", "write": "#c0392b", "post": "#27ae60", "mcp": "#8e44ad"}
LABELS = {"bash": "Bash command", "write": "Write content", "post": "PostToolUse output",
          "mcp": "MCP input"}
W, H = 460, 340
LEFT, RIGHT, TOP, BOTTOM = 60, 15, 30, 45


def size_label(n):
    for unit, div in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div:
            return f"{n / div:g} {unit}"
    return f"{n} B"


def panel(x0, rows, key, title, ylabel, y_range):
    xs = [int(r["size"]) for r in rows]
    lx0, lx1 = math.log10(min(xs)), math.log10(max(xs))
    ly0, ly1 = y_range

    def px(x):
        return x0 + LEFT + (math.log10(x) - lx0) / (lx1 - lx0) * (W - LEFT - RIGHT)

    def py(y):
        y = max(y, 10 ** ly0)
        return TOP + (ly1 - math.log10(y)) / (ly1 - ly0) * (H - TOP - BOTTOM)

    out = [f'<text x="{x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">{title}</text>']
    out.append(f'<rect x="{x0 + LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" '
               f'height="{H - TOP - BOTTOM}" fill="none" stroke="#999"/>')
    for e in range(math.ceil(ly0), math.floor(ly1) + 1):
        y = py(10 ** e)
        out.append(f'<line x1="{x0 + LEFT}" x2="{x0 + W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="#eee"/>')
        out.append(f'<text x="{x0 + LEFT - 5}" y="{y + 4:.1f}" text-anchor="end">{10 ** e:g}</text>')
    for x in sorted(set(xs)):
        if math.log10(x) % 1 < 0.01 or x in (1 << 10, 1 << 20, 16 << 20, 62 << 20, 64 << 10):
            out.append(f'<text x="{px(x):.1f}" y="{H - BOTTOM + 15}" text-anchor="middle">'
                       f'{size_label(x)}</text>')
    out.append(f'<text x="{x0 + W / 2}" y="{H - 8}" text-anchor="middle">input size</text>')
    out.append(f'<text transform="translate({x0 + 14},{TOP + (H - TOP - BOTTOM) / 2}) rotate(-90)" '
               f'text-anchor="middle">{ylabel}</text>')
    # Slope 1 through the largest Write point: where a linear cost lies.
    ref = [r for r in rows if r["kind"] == "write"]
    if ref:
        r = ref[-1]
        x1, y1 = int(r["size"]), float(r[key])
        xa = min(xs)
        ya = y1 * xa / x1
        out.append(f'<line x1="{px(xa):.1f}" y1="{py(ya):.1f}" x2="{px(x1):.1f}" y2="{py(y1):.1f}" '
                   f'stroke="#666" stroke-dasharray="2,3"/>')
    for kind, colour in COLOURS.items():
        pts = [(int(r["size"]), float(r[key]), r) for r in rows if r["kind"] == kind]
        if not pts:
            continue
        path = " ".join(f"{'M' if i == 0 else 'L'}{px(x):.1f},{py(y):.1f}"
                        for i, (x, y, _) in enumerate(pts))
        out.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="1.8"/>')
        for x, y, r in pts:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="{colour}"/>')
            if r["decision"] in ("withheld",) or r["exit"] == "2":
                out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="6" fill="none" '
                           f'stroke="{colour}"/>')
    return out


def main():
    src, dst = sys.argv[1], sys.argv[2]
    rows = list(csv.DictReader(open(src)))
    ms = [max(float(r[k]), 0.1) for r in rows for k in ("wall_ms", "cpu_ms")]
    mb = [float(r["peak_rss_mb"]) for r in rows]
    t_range = (math.floor(math.log10(min(ms))), math.ceil(math.log10(max(ms) * 1.2)))
    m_range = (math.floor(math.log10(min(mb))), math.ceil(math.log10(max(mb) * 1.2)))
    body = panel(0, rows, "cpu_ms", "CPU time per call (user + sys, median)", "ms", t_range)
    body += panel(W, rows, "peak_rss_mb", "Peak memory per call", "MB resident", m_range)
    y = H + 5
    legend = []
    for i, (kind, colour) in enumerate(COLOURS.items()):
        x = 70 + i * 190
        legend.append(f'<line x1="{x}" x2="{x + 20}" y1="{y}" y2="{y}" stroke="{colour}" '
                      f'stroke-width="2"/><text x="{x + 25}" y="{y + 4}">{LABELS[kind]}</text>')
    legend.append(f'<text x="70" y="{y + 22}">dotted: cost proportional to size; ringed: answered '
                  f'by the 800 ms deadline or refused by a cap</text>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * W}" height="{H + 35}" '
           f'font-family="sans-serif" font-size="11">\n'
           f'<rect width="100%" height="100%" fill="white"/>\n'
           + "\n".join(body + legend) + "\n</svg>\n")
    open(dst, "w").write(svg)


if __name__ == "__main__":
    main()
