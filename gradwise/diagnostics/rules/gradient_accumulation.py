from .base import Rule


class GradientAccumulation(Rule):
    """``backward()`` starts while the previous step's gradients are still in ``.grad``: zero_grad()
    is never called, so every step uses the sum of all gradients so far."""
    code, phase = "gradient_accumulation", "step"

    def check(self, rec):
        if not rec.grads_not_zeroed:
            return []
        return [self.finding(
            "warning", "", rec.step, {},
            "backward() ran while the gradients of the previous optimizer step were still in .grad: PyTorch (and "
            "gradwise) add gradients up, so each step follows the sum of every gradient so far, an ever-growing "
            "and stale direction.", "Call optimizer.zero_grad() (or model.zero_grad()) once per step, before "
            "loss.backward().")]
