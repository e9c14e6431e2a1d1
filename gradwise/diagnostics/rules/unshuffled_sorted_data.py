from .base import Rule


class UnshuffledSortedData(Rule):
    """Most batches hold a single class while the run sees several: the data are sorted by class
    and never shuffled."""
    code, phase = "unshuffled_sorted_data", "step"
    thresholds = {"batches": (10, "judged over the last 10 batches of 8 or more labels"),
                  "single": (0.8, "80% of them hold one class; a shuffled batch of 8 from K >= 2 balanced classes is "
                                  "single-class with probability <= 2^-7")}

    def check(self, rec):
        counts = list(rec.batch_classes)
        if len(counts) < self.limit("batches") or len(rec.labels_seen) < 2:
            return None
        single = sum(c == 1 for c in counts[-self.limit("batches"):]) / self.limit("batches")
        if single < self.limit("single"):
            return []
        return [self.finding(
            "warning", "", rec.step, {"single_class_batches": single, "classes_seen": len(rec.labels_seen)},
            f"{single:.0%} of the recent batches contain a single class, while {len(rec.labels_seen)} classes "
            f"occur: the data are ordered by class and not shuffled, so each stretch of steps fits one class and "
            f"forgets the others.", "Shuffle the training data every epoch: DataLoader(dataset, batch_size, "
            "shuffle=True) (or a random permutation of the indices per epoch).", immediate=True)]
