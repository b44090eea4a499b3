"""The example notebook (examples/gradient_descent_2d.ipynb: the seed notebooks redone with downhill) runs from
top to bottom in a fresh kernel: every cell, with its asserts on the exercises' answers, and every figure drawn.
"""

import pathlib

import nbformat
from nbclient import NotebookClient

NOTEBOOK = pathlib.Path(__file__).resolve().parents[3] / "examples" / "gradient_descent_2d.ipynb"


def test_the_example_notebook_runs_headless(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # Any cell that raises fails the test (nbclient raises CellExecutionError with the cell's traceback).
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    figures = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert figures == 8
    # It wrote nothing beside itself.
    assert list(tmp_path.iterdir()) == []
