"""Non-numeric data fails at the boundary (DataLoader, Trainer.fit) with a DataError that names
the field and the fix, not inside an op or the doctor."""
import numpy as np
import pytest

import gradwise as gw
from gradwise import nn
from gradwise.data import ArrayDataset, DataLoader
from gradwise.errors import DataError


def test_string_labels_fail_when_fit_starts_with_the_fix():
    x = np.zeros((8, 2), np.float32)
    y = np.array(["cat", "dog"] * 4)
    trainer = gw.Trainer(nn.Linear(2, 2, generator=0), loss="cross_entropy", optimizer="sgd", lr=0.1)
    with pytest.raises(DataError, match=r"fit: the targets are strings .*'cat'.*np.unique\(labels, "
                                        r"return_inverse=True\)"):
        trainer.fit((x, y), epochs=1, verbose=False)
    assert trainer.global_step == 0


@pytest.mark.parametrize("field, arrays", [
    ("inputs", (np.array([["a", "b"]] * 4), np.zeros(4, np.int64))),
    ("targets", (np.zeros((4, 2)), np.array([b"x"] * 4))),
    ("inputs", (np.array([{"a": 1}] * 4, dtype=object), np.zeros(4, np.int64))),
])
def test_dataloader_names_the_non_numeric_field(field, arrays):
    with pytest.raises(DataError, match=f"DataLoader: the {field} are"):
        next(iter(DataLoader(ArrayDataset(*arrays), batch_size=2)))


def test_empty_dataset_is_a_data_error():
    class Empty:
        def __len__(self):
            return 0

        def __getitem__(self, i):
            raise IndexError(i)
    with pytest.raises(DataError, match="empty"):
        DataLoader(Empty())
