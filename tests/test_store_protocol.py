"""Both stores answer the one protocol graph/ asks of a store (graph/store/protocol.py)."""

from claimgraph.graph.store import ClaimStore
from claimgraph.graph.store.protocol import Store
from claimgraph.graph.store.remote import RemoteStore


def test_the_embedded_and_the_remote_store_declare_every_method_of_the_protocol(tmp_path):
    assert isinstance(ClaimStore(), Store) and isinstance(ClaimStore(tmp_path / "s"), Store)
    methods = [name for name in dir(Store) if not name.startswith("_") and callable(getattr(Store, name))]
    for cls in (ClaimStore, RemoteStore):
        missing = [name for name in methods if not callable(getattr(cls, name, None))]
        assert not missing, (cls.__name__, missing)
