#!/usr/bin/python3
# Writes the example data of examples/mi (deterministic; run from this
# folder): traffic.jsonl, a support assistant's routing decisions for
# tickets in three languages by two models, and agent.jsonl, the steps of
# an agent in a 3x3 grid whose moves slip one time in ten.
import json
import random

rng = random.Random(15)

intents = ["billing", "password", "export", "refund", "bug"]
langs = ["en", "de", "fr"]
with open("traffic.jsonl", "w") as f:
    for t in range(40):
        lang = langs[t % 3]
        truth = intents[t % 5]
        for model in ("gpt-4o-mini", "llama-3.1-8b"):
            # the smaller model confuses refunds with billing, more so in French
            out = truth
            wrong = 0.1 if model == "gpt-4o-mini" else 0.3 if lang != "fr" else 0.5
            if rng.random() < wrong:
                out = rng.choice(intents)
            f.write(json.dumps({"input_id": "ticket-%02d" % t, "output": out,
                                "model": model, "meta": {"lang": lang}},
                               separators=(",", ":")) + "\n")

moves = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0), "stay": (0, 0)}
with open("agent.jsonl", "w") as f:
    x, y = 0, 0
    for step in range(300):
        action = rng.choice(list(moves))
        dx, dy = moves[action]
        if rng.random() < 0.1:
            dx, dy = rng.choice(list(moves.values()))
        nx, ny = min(2, max(0, x + dx)), min(2, max(0, y + dy))
        f.write(json.dumps({"step": step, "state": "%d,%d" % (x, y), "action": action,
                            "next_state": "%d,%d" % (nx, ny)},
                           separators=(",", ":")) + "\n")
        x, y = nx, ny
