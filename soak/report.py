"""The soak's figures: one row per figure, printed as a table at the end."""

import statistics

rows: list[tuple[str, str, str, str, str]] = []


def figure(scenario: str, name: str, value, target: str = "-", passed: bool = True) -> bool:
    """Record (and print at once, so a long run shows progress) one figure and its verdict."""
    text = (
        f"{value:,.1f}"
        if isinstance(value, float)
        else f"{value:,}"
        if isinstance(value, int)
        else str(value)
    )
    rows.append((scenario, name, text, target, "pass" if passed else "FAIL"))
    print(f"  {scenario}: {name} = {text} ({target}: {rows[-1][-1]})", flush=True)
    return passed


def failed() -> bool:
    return any(row[-1] == "FAIL" for row in rows)


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def p50_p95(seconds: list[float]) -> str:
    """Two percentiles of durations, in milliseconds."""
    return f"{percentile(seconds, 50) * 1000:,.0f} / {percentile(seconds, 95) * 1000:,.0f}"


def table() -> str:
    header = ("scenario", "figure", "value", "target", "result")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)
