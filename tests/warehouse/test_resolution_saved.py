"""The frames a build keeps for the next weekly run (warehouse/resolution/saved.py): read back
exactly, and never by running code stored in the warehouse."""

import pickle
import zlib

import pytest

from tests.warehouse.test_resolution import NORWAY, article, stargate_norway
from warehouse.resolution.frames import build_frames, read_documents, read_figures
from warehouse.resolution.model import load_model
from warehouse.resolution.saved import pack, slim, unpack


def framed(*articles):
    figure_rows, mention_rows, document_rows = [], [], []
    for rows, mentions, document in articles:
        figure_rows += rows
        mention_rows += mentions
        document_rows.append(document)
    docs = read_documents(document_rows, mention_rows)
    return docs, build_frames(read_figures(figure_rows, docs), docs, load_model())


def test_a_document_and_its_frames_read_back_the_same():
    docs, frames = framed(stargate_norway("n1", "2025-07-31", "Reuters", "Nscale and Aker plan"),
                          article("n2", "2025-08-01", "Aker and Nscale add a second Narvik phase",
                                  "Aker said the second phase in Norway adds 290MW.", NORWAY,
                                  [("290MW", "power", 290, None, "commitment")]))
    for doc_id, doc in docs.items():
        kept = [f for f in frames if f.doc_id == doc_id]
        assert kept
        doc_back, frames_back = unpack(pack(doc, kept))
        assert doc_back == slim(doc)
        assert frames_back == kept
        assert doc_back.places == doc.places and frames_back[0].figures[0].reported_on == kept[0].figures[0].reported_on


def test_a_pickled_state_is_refused_not_run():
    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('ran code from the warehouse')",))

    with pytest.raises(ValueError):
        unpack(zlib.compress(pickle.dumps(Boom())))
