#!/usr/bin/env python3
"""Markdown tables of `mwx replay --json` outputs (BENCHMARKS.md, issues 13 and 14).

usage: bench/replay_table.py [--alerts] SCENARIO.json=REPLAY.json ...
  SCENARIO.json  the scenario (for its name and launch time; the J-Alert time is looked up in
                 data/launches.csv by the launch minute)
  REPLAY.json    the output of `mwx replay SCENARIO.json --json [--until S]`
  --alerts       issue 14's table only: zone, zone_call_s, alert_kind, alert_s, regions, false_alert,
                 overflight_s, warning_lead_s per nation and condition, the real J-Alert time beside
                 (launches.csv j_alert_jst: a clock minute, so +-60 s; as seconds after the launch
                 minute), and a count of the false warnings; a salvo prints one line per missile
                 that has an alert above info or a false alert, and a summary
"""
import csv, json, os, sys

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def jalert(time_utc):
    key = time_utc[:16] + "Z"  # 2022-10-03T22:22Z
    with open(os.path.join(SRC, "data", "launches.csv")) as f:
        for row in csv.DictReader(f):
            if row["date_utc"] == key:
                return row["j_alert_jst"]
    return None


def v(x, fmt="%.0f"):
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    return fmt % x


def jalert_s(time_utc, jst):
    """The J-Alert clock minute (JST) as seconds after the launch minute (UTC+9), or None."""
    if not jst:
        return None
    h, m = (int(x) for x in jst.split(":"))
    lh, lm = int(time_utc[11:13]), int(time_utc[14:16])
    d = ((h - 9) * 60 + m - (lh * 60 + lm)) % (24 * 60)
    return d * 60


def alerts(args):
    n_false = n_rows = 0
    for a in args:
        sp, rp = a.split("=", 1)
        sc = json.load(open(sp))
        r = json.load(open(rp))
        salvo = len(r["missiles"]) > 3
        quiet = 0
        if salvo:
            print("\n**%s**: %d missiles; rows only for missiles with an alert above info or a false alert\n" %
                  (sc["name"], len(r["missiles"])))
            print("| missile | nation | condition | zone | zone_call_s | alert_kind | alert_s | regions | false_alert "
                  "| overflight_s | warning_lead_s |")
            print("|---|---|---|---|---|---|---|---|---|---|---|")
        for m in r["missiles"]:
            t = next(l["time_utc"] for l in sc["launches"] if l["id"] == m["id"])
            ja = jalert(t)
            if not salvo:
                js = jalert_s(t, ja)
                print("\n**%s**, %s (launch %s%s)\n" % (sc["name"], m["id"], t,
                      "; real J-Alert %s JST = +%d s (+-60 s)" % (ja, js) if ja else "; no J-Alert in launches.csv"))
                print("| nation | condition | zone | zone_call_s | alert_kind | alert_s | regions | false_alert "
                      "| overflight_s | warning_lead_s |")
                print("|---|---|---|---|---|---|---|---|---|---|")
            shown = 0
            for n in ("KOR", "JPN", "USA"):
                for c in ("alone", "bilateral", "shared"):
                    x = m[n][c]
                    n_rows += 1
                    n_false += bool(x["false_alert"])
                    if salvo and not x["false_alert"] and x["alert_kind"] in (None, "info"):
                        continue
                    zone = "-" if x["zone"] is None else x["zone"] + (" " + x["zone_nation"] if x["zone_nation"] else "")
                    row = (n, c, zone, v(x["zone_call_s"]), x["alert_kind"] or "-", v(x["alert_s"]),
                           ", ".join(x["alert_regions"]) or "-", v(x["false_alert"]), v(x["overflight_s"]),
                           v(x["warning_lead_s"]))
                    if salvo:
                        print("| %s | " % m["id"] + " | ".join(row) + " |")
                        shown = 1
                    else:
                        print("| " + " | ".join((row[0] if c == "alone" else "",) + row[1:]) + " |")
            quiet += not shown
        if salvo:
            print("\n%d of %d missiles: no alert above info for any nation and condition" % (quiet, len(r["missiles"])))
    print("\nfalse land warnings: %d of %d (nation, condition, missile) rows" % (n_false, n_rows))


def main(args):
    if args and args[0] == "--alerts":
        return alerts(args[1:])
    for a in args:
        sp, rp = a.split("=", 1)
        sc = json.load(open(sp))
        r = json.load(open(rp))
        for m in r["missiles"]:
            t = next(l["time_utc"] for l in sc["launches"] if l["id"] == m["id"])
            ja = jalert(t)
            print("\n**%s**, %s (launch %s%s)\n" % (sc["name"], m["id"], t,
                  "; real J-Alert %s JST" % ja if ja else "; no J-Alert in launches.csv"))
            print("| nation | condition | track_s | launch_km | ipp_s | ipp50_s | half_km | final_km | nos "
                  "| zone | zone_s | alert | alert_s | overfl_s | lead_s | false | regions |")
            print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            for n in ("KOR", "JPN", "USA"):
                for c in ("alone", "bilateral", "shared"):
                    x = m[n][c]
                    zone = "-" if x["zone"] is None else x["zone"] + (" " + x["zone_nation"] if x["zone_nation"] else "")
                    print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                        n if c == "alone" else "", c, v(x["first_track_s"]), v(x["launch_error_km"], "%.1f"),
                        v(x["first_ipp_s"]), v(x["ipp_50km_s"]), v(x["ipp_error_half_km"], "%.1f"),
                        v(x["final_ipp_error_km"], "%.1f"), x["global_tracks"], zone, v(x["zone_call_s"]),
                        x["alert_kind"] or "-", v(x["alert_s"]), v(x["overflight_s"]), v(x["warning_lead_s"]),
                        v(x["false_alert"]), ", ".join(x["alert_regions"]) or "-"))
            g = {n: m[n]["shared"]["global_track_no"] for n in ("KOR", "JPN", "USA")}
            same = len(set(g.values())) == 1
            print("\nshared, the three nodes' number for %s: %s" % (m["id"], "the same (%s)" % g["JPN"] if same else
                  ", ".join("%s %s" % kv for kv in g.items()) + " (they differ)"))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1:])
