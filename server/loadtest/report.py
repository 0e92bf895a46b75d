"""The load generator's results: the client processes' parts merged, judged and printed."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

from server.loadtest.stats import percentiles
from server.loadtest.worker import Plan

# A client process above this share of one core is the bottleneck, not the server.
SATURATED_CPU = 0.85
SATURATED_LATENESS_MS = 50.0
# The server's event loop waiting this share of the time for a CPU: other programs hold
# the cores, and the latencies say more about them than about the server.
CROWDED_WAIT = 0.2
# The capacity bounds: what "holds N interviews" means.
OBSERVER_P99_MS = 100.0
ACK_P99_MS = 300.0


def merge(plan: Plan, candidates: int, parts: list[dict[str, Any]], window_s: float,
          setup_s: float, server: dict[str, Any]) -> dict[str, Any]:
    """One step's result from every client process's part and the server's readings."""
    sent: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    close_codes: Counter[str] = Counter()
    for part in parts:
        sent.update(part["sent"])
        totals.update(part["totals"])
        errors.update(part["errors"])
        close_codes.update(part["close_codes"])
    sent_total = sum(sent.values())
    clients = []
    for p in parts:
        lag = percentiles(p["loop_lag_ms"])
        cpu = p["cpu_s"] / p["wall_s"]
        clients.append({
            "sessions": p["sessions"], "cpu": round(cpu, 3), "loop_lag_ms": lag,
            "cpu_wait": round(p["cpu_wait_s"] / p["wall_s"], 3)
            if p.get("cpu_wait_s") is not None else None,
            "saturated": cpu >= SATURATED_CPU or (lag["p99"] or 0) > SATURATED_LATENESS_MS,
        })
    cpu_s = server.pop("cpu_s", None)
    wait_s = server.pop("cpu_wait_s", None)
    if cpu_s is not None:
        server["cpu"] = round(cpu_s / window_s, 3)
        # Messages sent in the measured window (the warm-up before it sent at the same rate).
        in_window = sent_total * window_s / (window_s + plan.warmup_s)
        server["cpu_us_per_message"] = round(cpu_s / in_window * 1e6, 1) if sent_total else None
        server["cpu_per_session"] = round(cpu_s / window_s / candidates, 5)
    if wait_s is not None:
        server["cpu_wait"] = round(wait_s / window_s, 3)
    loss = totals.get("loss", 0)
    duplicates = totals.get("duplicates", 0)
    config = {**{k: v for k, v in asdict(plan).items() if k != "profile"},
              "candidates": candidates, "profile": asdict(plan.profile)}
    return {
        "config": config,
        "window_s": round(window_s, 3),
        "setup_s": round(setup_s, 2),
        "sent": {**dict(sent), "total": sent_total},
        "sent_per_s": round(sent_total / (window_s + plan.warmup_s), 1),
        "acked": totals.get("acked", 0),
        "unacked": totals.get("unacked", 0),
        "observer_frames_received": totals.get("observer_frames_received", 0),
        "observer_events_received": totals.get("observer_events_received", 0),
        "candidate_events_received": totals.get("candidate_events_received", 0),
        "loss": loss,
        "loss_by_kind": {k[5:]: v for k, v in totals.items() if k.startswith("loss_")},
        "duplicates": duplicates,
        "out_of_order": totals.get("out_of_order", 0),
        "observer_gaps": totals.get("observer_gaps", 0),
        "reconnects": totals.get("reconnects", 0),
        "errors": dict(errors),
        "close_codes": dict(close_codes),
        "log_check": None,
        "ack_latency_ms": percentiles([x for p in parts for x in p["ack_ms"]]),
        "observer_latency_ms": percentiles([x for p in parts for x in p["observer_ms"]]),
        "schedule_lateness_ms": percentiles([x for p in parts for x in p["lateness_ms"]]),
        "drain_s": round(max(p["drain_s"] for p in parts), 2),
        "server": server,
        "machine_crowded": server.get("cpu_wait", 0) >= CROWDED_WAIT,
        "clients": clients,
        "clients_saturated": any(c["saturated"] for c in clients),
        "ok": loss == 0 and duplicates == 0 and totals.get("unacked", 0) == 0,
    }


def passes(result: dict[str, Any]) -> str | None:
    """None if the step is within the capacity bounds, else why not."""
    if not result["ok"]:
        return "loss, duplicates or unacknowledged messages"
    observer, ack = result["observer_latency_ms"]["p99"], result["ack_latency_ms"]["p99"]
    if observer is not None and observer >= OBSERVER_P99_MS:
        return f"candidate→observer p99 {observer:.0f} ms ≥ {OBSERVER_P99_MS:.0f} ms"
    if ack is not None and ack >= ACK_P99_MS:
        return f"ack p99 {ack:.0f} ms ≥ {ACK_P99_MS:.0f} ms"
    return None


def _latency(result: dict[str, Any], name: str) -> str:
    p = result[name]
    if not p["n"]:
        return "n/a"
    return f"p50 {p['p50']:.1f}  p95 {p['p95']:.1f}  p99 {p['p99']:.1f}  max {p['max']:.1f} ms"


def report(result: dict[str, Any]) -> str:
    """The result as a few lines for the console."""
    config = result["config"]
    lines = [
        f"candidates {config['candidates']} x {config['observers_per_candidate']} observer(s), "
        f"{result['window_s']:.1f} s, {len(result['clients'])} client process(es)",
        f"sent      {result['sent']['total']} ({result['sent_per_s']}/s)  "
        + "  ".join(f"{k} {v}" for k, v in result["sent"].items() if k != "total"),
        f"acked     {result['acked']}   unacked {result['unacked']}",
        f"observers {result['observer_frames_received']} frames "
        f"({result['observer_events_received']} events)",
        f"loss      {result['loss']} {result['loss_by_kind'] or ''}  duplicates "
        f"{result['duplicates']}  reconnects {result['reconnects']}",
        f"ack       {_latency(result, 'ack_latency_ms')}",
        f"observer  {_latency(result, 'observer_latency_ms')}",
    ]
    if result["log_check"] is not None:
        lines.append("log       " + "  ".join(f"{k} {v}" for k, v in result["log_check"].items()))
    if result["errors"]:
        lines.append(f"errors    {result['errors']}")
    server = result["server"]
    if "cpu" in server:
        lines.append(f"server    CPU {server['cpu'] * 100:.0f}% of a core, "
                     f"{server['cpu_us_per_message']} µs per message sent")
    if "cpu_wait" in server:
        lines.append(f"          waited for a CPU {server['cpu_wait'] * 100:.0f}% of the time"
                     + ("  CROWDED: other programs held the cores; the latencies measure the"
                        " machine more than the server" if result["machine_crowded"] else ""))
    clients = ", ".join(f"{c['cpu'] * 100:.0f}%" for c in result["clients"])
    lines.append(f"clients   CPU {clients}"
                 + ("  SATURATED: the client may be the bottleneck; add --processes"
                    if result["clients_saturated"] else ""))
    lines.append("result    " + ("OK" if result["ok"] else "FAILED (loss, duplicates or unacked)"))
    return "\n".join(lines)


def search_report(summary: dict[str, Any]) -> str:
    """The capacity search: one line per step, then the verdict."""
    lines = ["interviews  ack p99   observer p99  server CPU  waited  clients  verdict"]
    for step in summary["steps"]:
        server = step["server"]
        verdict = passes(step)
        lines.append(
            f"{step['config']['candidates']:>10}  {step['ack_latency_ms']['p99'] or 0:>7.1f}"
            f"  {step['observer_latency_ms']['p99'] or 0:>12.1f}"
            f"  {server.get('cpu', 0) * 100:>9.0f}%  {server.get('cpu_wait', 0) * 100:>5.0f}%"
            f"  {'SATURATED' if step['clients_saturated'] else 'ok':>7}"
            f"  {'pass' if verdict is None else verdict}"
        )
    best = summary["at_capacity"]
    if best is None:
        lines.append("capacity  none: the first step already failed")
    else:
        per = best["server"].get("cpu_per_session")
        lines.append(
            f"capacity  {summary['capacity']} interviews"
            + (f" ({per * 100:.2f}% of a core per interview)" if per is not None else "")
            + ("" if summary["first_failure"] else f"; every step passed up to "
               f"{summary['searched_to']}, the search's end")
        )
    if summary["limited_by_clients"]:
        lines.append("note      the failing step had saturated client processes: the limit found"
                     " may be the load generator's; add --processes")
    if any(step["machine_crowded"] for step in summary["steps"]):
        lines.append("note      the server waited for a CPU much of the time (a crowded machine):"
                     " run again on a quiet one")
    if summary["log_check"] is not None:
        lines.append("log       " + "  ".join(f"{k} {v}" for k, v in summary["log_check"].items()))
    return "\n".join(lines)
