"""``GET /reviews`` in a browser: the review page. The newest verdicts, the claims the
findings flag for a reviewer (first few of each list, linked to the whole paged list
at ``/findings/<slug>``: one way to page), and the reviewer's login.

web/reviews.py owns the review routes and sessions; its ``GET /reviews`` without
``?claim=`` answers with this page (with ``?claim=`` it stays the JSON history).
"""

from __future__ import annotations

from flask import render_template, request

from claimgraph.graph.index import finding_lists
from claimgraph.graph.write.reviews import recent_verdicts

from .db import get_store
from .findings import slug

# The claim-level findings a reviewer settles with a verdict, most pressing first.
AWAITING = ("UNCITED_CLAIM", "STALE_REVIEW", "WEAK_EVIDENCE")
SHOWN = 5  # claims named per list on the page


def review_page():
    store = get_store()
    types = finding_lists.finding_types(store)
    awaiting = []
    for code in AWAITING:
        found = finding_lists.findings_page(store, code, per_page=SHOWN)
        kind = types.get(code, {"label": code, "comment": ""})
        awaiting.append({"code": code, "label": kind["label"], "comment": kind["comment"],
                         "total": found.total, "claims": found.items,
                         "list": f"{request.script_root}/findings/{slug(code)}"})
    return render_template("reviews.html", verdicts=recent_verdicts(store), awaiting=awaiting)
