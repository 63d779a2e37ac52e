#!/usr/bin/env python3
"""Markdown tables of `mwx replay --json` outputs (BENCHMARKS.md, issues 13 and 14).

usage: bench/replay_table.py SCENARIO.json=REPLAY.json ...
  SCENARIO.json  the scenario (for its name and launch time; the J-Alert time is looked up in
                 data/launches.csv by the launch minute)
  REPLAY.json    the output of `mwx replay SCENARIO.json --json`
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


def main(args):
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
