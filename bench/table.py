"""The console table of ``make bench``: one line per figure, targets beside the results."""

from __future__ import annotations

from typing import Any


def _pct(value: float | None, decimals: int = 0) -> str:
    return "n/a" if value is None else f"{value * 100:.{decimals}f}%"


def _verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def _stack_rows(s: dict[str, Any]) -> list[tuple[str, str]]:
    echo, engine, deflate = s["echo"], s["engine"], s["deflate"]
    return [
        ("1. echo msgs/s, median round (server CPU, µs/msg)",
         f"{echo['messages_per_s']:.0f} ({_pct(echo['server_cpu'])}, "
         f"{echo['server_us_per_message']} µs)"),
        ("   engine candidate path, median round (server CPU, µs/msg)",
         f"{engine['messages_per_s']:.0f} ({_pct(engine['server_cpu'])}, "
         f"{engine['server_us_per_message']} µs); to observers {engine['delivered_per_s']:.0f}/s"),
        ("   engine / echo (target ≥ 0.5)", f"{s['ratio']:.2f}  {_verdict(s['ratio'] >= 0.5)}"),
        ("   rounds: echo / engine msgs/s", ", ".join(
            f"{r['echo']:.0f} / {r['engine']:.0f}" for r in s.get("rounds", []))),
        ("   server waited for a CPU echo / engine",
         f"{_pct(echo.get('server_cpu_wait'))} / {_pct(engine.get('server_cpu_wait'))}"),
        ("   client CPU echo / engine (saturated?)",
         f"{echo['client_cpu']} / {engine['client_cpu']} "
         f"({echo['client_saturated'] or engine['client_saturated']})"),
        ("   echo with permessage-deflate on / off",
         f"{deflate['on']['messages_per_s']:.0f} / {deflate['off']['messages_per_s']:.0f} "
         f"msgs/s ({deflate['ratio']:.2f}); µs/msg {deflate['on']['server_us_per_message']} / "
         f"{deflate['off']['server_us_per_message']}"),
    ]


def _none_passed(search: dict[str, Any]) -> str:
    return f"none of the steps passed (first: {search['first_failure']}, {search['failure']})"


def _ended(search: dict[str, Any]) -> str:
    return (f"failed at {search['first_failure']}: {search['failure']}"
            if search["first_failure"]
            else f"every step passed up to {search['searched_to']} (the search's end)")


def _capacity_rows(c: dict[str, Any]) -> list[tuple[str, str]]:
    best = c["at_capacity"]
    if best is None:
        held = _none_passed(c)
    else:
        per = best["server"].get("cpu_per_session")
        held = (f"{c['capacity']} interviews, {_pct(per, 2)} of a core each; "
                f"ack p99 {best['ack_latency_ms']['p99']} ms, "
                f"observer p99 {best['observer_latency_ms']['p99']} ms")
    rows = [("2. capacity (target ≥ 300)", f"{held}  {_verdict(c['capacity'] >= 300)}"),
            ("   search", _ended(c))]
    if c["limited_by_clients"]:
        rows.append(("   note", "the failing step's client processes were saturated"))
    if any(step["machine_crowded"] for step in c["steps"]):
        rows.append(("   note", "the server waited for a CPU much of the time (crowded machine)"))
    relay = c.get("relay")
    if relay is not None:
        rows.append(("   raw stack relaying the same profile", _relay_held(relay)))
        if relay["capacity"]:
            # A relay that passed every step holds more than the search asked of it.
            at_most = "at most " if relay["first_failure"] is None else ""
            rows.append(("   engine / raw stack capacity",
                         f"{at_most}{c['capacity'] / relay['capacity']:.2f}"))
    return rows


def _relay_held(relay: dict[str, Any]) -> str:
    best = relay["at_capacity"]
    if best is None:
        return _none_passed(relay)
    return (f"{relay['capacity']} interviews, "
            f"{_pct(best['server'].get('cpu_per_session'), 2)} of a core each; {_ended(relay)}"
            + ("; its client processes were saturated" if relay["limited_by_clients"] else ""))


def table(results: dict[str, Any]) -> str:
    m = results["machine"]
    rows: list[tuple[str, str]] = [
        ("machine", f"{m['cpus']} CPUs, {m['memory_gb']} GB, Python {m['python']}")]
    rows += _stack_rows(results["stack"])
    if "capacity" in results:
        rows += _capacity_rows(results["capacity"])
    p = results["persistence"]
    rows += [
        ("3. event writer / raw COPY events/s", f"{p['writer_events_per_s']} / "
                                               f"{p['copy_events_per_s']}"),
        ("   writer / COPY (target ≥ 0.7)", f"{p['ratio']:.2f}  {_verdict(p['ratio'] >= 0.7)}"),
        ("   writer with its event loop 75 % busy", f"{p['writer_busy_loop_events_per_s']} events/s"),
    ]
    ai = results["ai_path"]
    a = ai["overhead_ms"]
    rows.append(("4. AI path overhead ms p50 / max (target < 20)",
                 f"{a['p50']:.1f} / {a['max']:.1f} over {a['n']} answers "
                 f"(fake delay {ai['fake_delay_ms']:.0f} ms; "
                 f"{'/'.join(map(str, ai['critical_calls_per_answer']))} of "
                 f"{'/'.join(map(str, ai['calls_per_answer']))} calls on the critical path; "
                 f"raw p50 {ai['to_first_delta_ms']['p50']:.1f} ms)  "
                 f"{_verdict(a['p50'] < 20)}"))
    r = results["replay"]
    rows.append(("5. replay first page / full load (target < 1 s)",
                 f"{r['first_page_s']} s / {r['full_load_s']} s for {r['events']} events; "
                 f"server RSS {r['server_rss_before_mb']} → peak {r['server_peak_rss_mb']} MB  "
                 f"{_verdict(r['first_page_s'] < 1)}"))
    c = results["micro"]
    rows += [
        ("6. decode face msg (µs)", f"{c['decode_face_us']} ({c['face_frame_bytes']} bytes; "
                                    f"msgpack alone {c['msgpack_unpackb_face_us']})"),
        ("   decode transcript msg (µs)", f"{c['decode_transcript_us']}"),
        ("   live coach per event (µs)", f"{c['coach_us_per_event']}"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)
