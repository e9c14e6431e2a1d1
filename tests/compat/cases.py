"""PyTorch-compatibility cases: each function takes the framework module (``torch`` or
``gradwise``) and returns what it computed. ``fixtures/make_fixtures.py`` runs them on PyTorch
2.13 and stores the results; ``test_coverage.py`` runs them on gradwise and compares.

Inputs are written out (no random numbers), so both frameworks see the same values.
"""
import numpy as np

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def _m(torch):
    return torch.arange(12.0).reshape(3, 4) / 4 - 1


# ----- tensor facts -------------------------------------------------------------------------
@case
def size_and_shape(torch):
    x = torch.zeros(2, 3, 4)
    return [x.size(0), x.size(-1), list(x.size()), list(x.shape), x.numel(), x.dim(), x.ndim, len(x),
            x.size() == (2, 3, 4), x.shape[1]]


@case
def item_tolist_numpy(torch):
    x = torch.tensor([[1.5, 2.0], [3.0, 4.25]])
    return [x[1, 1].item(), x.tolist(), x.numpy().sum().item(), float(x[0, 0]), int(x[1, 0])]


@case
def dtypes_of_factories(torch):
    return [str(t.dtype).split(".")[-1] for t in (
        torch.tensor([1, 2]), torch.tensor([1.0]), torch.tensor([True]), torch.zeros(2), torch.arange(3),
        torch.arange(3.0), torch.ones(2, dtype=torch.long), torch.full((2,), 3), torch.full((2,), 3.0),
        torch.tensor(np.zeros(2)), torch.tensor([1, 2]).float(), torch.tensor([1.0]).double(),
        torch.tensor([1.7]).long(), torch.tensor([0.0, 2.0]).bool(), torch.eye(2), torch.linspace(0, 1, 3),
        torch.randint(0, 5, (3,)), torch.randperm(4))]


@case
def dtype_promotion(torch):
    i, f, d = torch.tensor([1, 2]), torch.tensor([0.5, 1.5]), torch.tensor([0.5, 1.5], dtype=torch.float64)
    b = torch.tensor([True, False])
    outs = [i + f, i * 0.5, i / 2, i / i, i + 1, f + d, b + i, b * f, i // 2, f * 2, i.float().mean()]
    return [(str(o.dtype).split(".")[-1], o) for o in outs]


@case
def from_numpy_shares_memory(torch):
    a = np.arange(3.0)
    t = torch.from_numpy(a)
    a[0] = 7.0
    return [t, str(t.dtype).split(".")[-1], torch.as_tensor(a).sum()]


# ----- reductions ---------------------------------------------------------------------------
@case
def max_min_with_dim(torch):
    x = torch.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    v, i = x.max(1)
    vk, ik = x.min(dim=0, keepdim=True)
    return [v, i, x.max(1)[1], vk, ik, x.max(), x.min(), torch.max(x, 1).indices, x.max(dim=1).values,
            torch.max(x, torch.full((2, 3), 3.0))]


@case
def argmax_keepdim(torch):
    x = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]])
    return [x.argmax(dim=1, keepdim=True), x.argmax(1), x.argmax(), x.argmin(dim=0)]


@case
def sum_mean_std_var(torch):
    x = _m(torch)
    return [x.sum(), x.sum(1), x.sum(dim=0, keepdim=True), x.mean(), x.mean(1), x.std(), x.std(0),
            x.var(1), x.var(1, unbiased=False), x.prod(1), torch.sum(x, 1), torch.mean(x),
            x.sum((0, 1)), x.logsumexp(1), torch.tensor([1, 2, 3]).sum()]


@case
def sort_topk_cumsum(torch):
    x = torch.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    s, si = x.sort(1)
    d, di = x.sort(1, descending=True)
    t, ti = x.topk(2, dim=1)
    return [s, si, d, di, t, ti, x.cumsum(1), x.cumsum(0), torch.argsort(x, 1), x.median()]


@case
def any_all_comparisons(torch):
    x = torch.tensor([[1.0, -2.0], [0.0, 3.0]])
    return [(x > 0).any(), (x > 0).all(), (x > -5).all(), x.eq(0), x.ne(0), x.lt(1), x.ge(0), x == 0,
            (x > 0).sum(), torch.where(x > 0, x, torch.zeros_like(x)), torch.isnan(x), x.abs().max()]


# ----- shapes -------------------------------------------------------------------------------
@case
def views(torch):
    x = torch.arange(24.0).reshape(2, 3, 4)
    y = torch.zeros(4, 6)
    return [x.view(6, 4), x.view(-1, 4).shape, x.view(2, -1).view_as(y), x.reshape(4, 6), x.t() if False else
            x[0].t(), x.transpose(0, 2).shape, x.permute(2, 0, 1).shape, x.flatten(1).shape, x.flatten().shape,
            torch.flatten(x, 1).shape, x.unsqueeze(0).shape, x[:, :1].squeeze(1).shape,
            x.squeeze().shape, x.contiguous().shape, x[0].T, x.mT.shape, x.unflatten(2, (2, 2)).shape]


@case
def split_chunk_unbind_cat_stack(torch):
    x = torch.arange(10.0).reshape(5, 2)
    return [list(x.split(2)), list(x.chunk(3)), list(x.unbind(1)), torch.cat([x, x], 1), torch.stack([x, x], 0),
            list(torch.split(x, [1, 4])), torch.cat((x[:1], x[3:])), torch.stack([x[0], x[1]], dim=1),
            x.narrow(0, 1, 2)]


@case
def expand_repeat_flip(torch):
    x = torch.tensor([[1.0], [2.0]])
    return [x.expand(2, 3), x.expand(-1, 2), x.repeat(2, 3), x.repeat(1, 1, 2).shape, x.flip(0),
            torch.tril(torch.ones(3, 3)), torch.triu(torch.ones(3, 3), diagonal=1), x.expand_as(torch.zeros(2, 4))]


@case
def indexing(torch):
    x = torch.arange(12.0).reshape(3, 4)
    idx = torch.tensor([2, 0])
    mask = x > 6
    return [x[1], x[:, 1], x[idx], x[mask], x[..., -1], x[None].shape, x[[0, 2], [1, 3]], x[1:, ::2],
            x.index_select(1, torch.tensor([3, 0])), x.masked_fill(mask, -1.0), x.masked_select(mask)]


@case
def gather_scatter(torch):
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    idx = torch.tensor([[2, 0], [1, 1]])
    z = torch.zeros(2, 3)
    return [x.gather(1, idx), torch.gather(x, 1, idx), z.scatter(1, idx, torch.ones(2, 2)),
            z.scatter_add(1, idx, torch.ones(2, 2)), z.scatter(1, idx, 5.0),
            torch.zeros(3).index_add(0, torch.tensor([0, 2, 0]), torch.tensor([1.0, 2.0, 3.0]))]


# ----- math ---------------------------------------------------------------------------------
@case
def elementwise_math(torch):
    x = torch.tensor([0.5, 1.5, 2.5])
    return [x.exp(), x.log(), x.sqrt(), x.rsqrt(), x.pow(2), x ** 0.5, 2 ** x, x.sin(), x.cos(), x.tanh(),
            x.sigmoid(), x.clamp(1, 2), x.clamp(min=1.0), x.clamp(max=1.0), torch.clamp(x, 0.6, 2.0),
            x.floor(), x.ceil(), x.round(), -x, abs(-x), x.reciprocal(), x.log1p(), x.expm1(), x.sign(),
            torch.maximum(x, torch.ones(3)), torch.minimum(x, torch.ones(3)), x.square(), x % 1.0, x.neg(),
            torch.exp(x), torch.log(x), torch.sqrt(x), x.lerp(torch.ones(3), 0.5),
            x.addcmul(x, x, value=2), x.addcdiv(x, x + 1, value=0.5)]


@case
def matmul_family(torch):
    a = torch.arange(6.0).reshape(2, 3)
    b = torch.arange(12.0).reshape(3, 4)
    ba = torch.arange(12.0).reshape(2, 2, 3)
    bb = torch.arange(24.0).reshape(2, 3, 4)
    v = torch.tensor([1.0, 0.0, 2.0])
    return [a @ b, a.mm(b), torch.mm(a, b), torch.matmul(a, v), ba.bmm(bb), torch.bmm(ba, bb), a.mv(v),
            v.dot(v), torch.einsum("ij,jk->ik", a, b), torch.einsum("bij,bjk->bik", ba, bb),
            torch.einsum("i,i->", v, v), torch.outer(v, v), a.norm(), a.norm(dim=1), a.norm(p=1, dim=0)]


@case
def softmax_family(torch):
    x = torch.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    F = torch.nn.functional
    return [x.softmax(1), x.log_softmax(dim=1), torch.softmax(x, 0), F.softmax(x, dim=1),
            F.log_softmax(x, dim=-1), torch.log_softmax(x, 1)]


# ----- gradients and idioms of real programs -------------------------------------------------
@case
def grad_is_a_tensor(torch):
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    g = w.grad
    return [type(g).__name__ == "Tensor", g, g.shape, w.grad.data, w.data]


@case
def hand_written_sgd_through_data(torch):
    w = torch.tensor([1.0, -1.0], requires_grad=True)
    for _ in range(3):
        loss = ((w * torch.tensor([2.0, 3.0])).sum() - 1) ** 2
        loss.backward()
        w.data.add_(w.grad, alpha=-0.01)
        w.grad.zero_()
    with torch.no_grad():
        w.sub_(0.5)
    return [w, w.grad]


@case
def regression_example_update(torch):
    p = torch.tensor([0.5, -0.5], requires_grad=True)
    (p * torch.tensor([1.0, 2.0])).sum().backward()
    p.data.add_(-0.1 * p.grad)
    return [p, p.grad.data.view(-1)]


@case
def gradients_accumulate(torch):
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    (w * w).sum().backward()
    return [w.grad]


@case
def autograd_grad_and_hooks(torch):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    (gx,) = torch.autograd.grad(y, [x])
    z = x * 2
    z.register_hook(lambda g: g * 10)
    z.sum().backward()
    h = x * x
    h.retain_grad()
    (h * 3).sum().backward()
    return [gx, x.grad, h.grad]


@case
def detach_and_no_grad(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with torch.no_grad():
        z = x * 3
    return [y.detach().requires_grad, z.requires_grad, y.requires_grad, y.is_leaf, x.is_leaf,
            torch.is_grad_enabled()]


@case
def inplace_ops(torch):
    x = torch.zeros(2, 3)
    x.add_(1).mul_(3).sub_(torch.ones(2, 3), alpha=2)
    x[0, 1] = 7.0
    x.clamp_(max=5.0)
    y = torch.ones(2, 2)
    y.fill_(0.25)
    y.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    y.masked_fill_(y > 2.5, 0.0)
    z = torch.arange(4.0)
    z.div_(2).pow_(2)
    return [x, y, z, torch.zeros(3).index_fill_(0, torch.tensor([1]), 2.0)]


@case
def new_factories_and_like(torch):
    x = torch.tensor([[1.0, 2.0]], dtype=torch.float64)
    return [x.new_zeros(2, 2), x.new_ones((1, 3)), x.new_full((2,), 4.0), x.new_tensor([1, 2]),
            torch.zeros_like(x), torch.ones_like(x), torch.full_like(x, 7.0), x.type_as(torch.tensor([1])),
            x.to(torch.float32).dtype == torch.float32, x.clone()]


@case
def nll_argmax_accuracy_idiom(torch):
    F = torch.nn.functional
    out = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]).log()
    target = torch.tensor([1, 0, 0])
    pred = out.argmax(dim=1, keepdim=True)
    correct = pred.eq(target.view_as(pred)).sum().item()
    return [F.nll_loss(out, target), F.nll_loss(out, target, reduction="sum").item(), correct,
            out.max(1)[1], (out.max(1)[1] == target).float().mean()]


@case
def device_idioms(torch):
    d = torch.device("cpu")
    x = torch.ones(2).to(d)
    return [str(d), str(x.device), x.cpu(), torch.cuda.is_available(), x.to("cpu", torch.float64).dtype == torch.float64,
            torch.zeros(2, device=d), torch.ones(1, device="cpu")]


@case
def linear_layer_and_modules(torch):
    nn = torch.nn
    lin = nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]]))
        lin.bias.fill_(0.1)
    x = torch.tensor([[1.0, 2.0, 3.0]])
    model = nn.Sequential(lin, nn.ReLU())
    names = [n for n, _ in model.named_parameters()]
    mods = [type(m).__name__ for m in model.modules()]
    return [model(x), names, mods, [type(c).__name__ for c in model.children()],
            sorted(model.state_dict().keys()), model.training, model.eval().training]


@case
def clip_grad_norm_idiom(torch):
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    (w * w).sum().backward()
    total = torch.nn.utils.clip_grad_norm_([w], 1.0)
    return [float(total), w.grad]


@case
def step_lr_schedule(torch):
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=1.0)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


@case
def manual_seed_reproducibility(torch):
    def draw(seed):
        torch.manual_seed(seed)
        lin = torch.nn.Linear(4, 3)
        drop = torch.nn.functional.dropout(torch.ones(20), 0.5, training=True)
        return torch.cat([lin.weight.reshape(-1), torch.randn(5), torch.rand(3), drop])
    a, b, c = draw(7), draw(7), draw(8)
    return [bool(torch.equal(a, b)), bool(torch.equal(a, c)), a.shape]


@case
def view_as_size_and_to_device(torch):
    device = torch.device("cpu")
    x = torch.arange(6.0).to(device)
    y = torch.zeros(2, 3)
    return [x.view_as(y), x.view_as(y).size(0), x.view(-1, 2).size(), x.to(device).device.type,
            y.new_empty(4).shape, x.view_as(y).t().contiguous().is_contiguous()]



@case
def data_loader_with_workers(torch):
    DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset
    x = torch.arange(10.0).view(5, 2)
    y = torch.tensor([0, 1, 0, 1, 1])
    loader = DataLoader(TensorDataset(x, y), batch_size=2, shuffle=False, num_workers=2)
    batches = [[bx, by] for bx, by in loader]
    return [len(loader), len(loader.dataset), batches]


@case
def categorical_policy_gradient(torch):
    logits = torch.tensor([[0.5, -1.0, 2.0], [0.0, 0.3, -0.3]], requires_grad=True)
    dist = torch.distributions.Categorical(logits=logits)
    actions = torch.tensor([2, 0])
    returns = torch.tensor([1.5, -0.5])
    log_prob = dist.log_prob(actions)
    loss = -(log_prob * returns).sum() - 0.01 * dist.entropy().sum()
    loss.backward()
    return [log_prob, dist.entropy(), dist.probs, logits.grad]


@case
def save_a_checkpoint_dict(torch):
    import io
    lin = torch.nn.Linear(2, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[0.5, -0.25]]))
        lin.bias.zero_()
    opt = torch.optim.Adam(lin.parameters(), lr=0.01)
    lin(torch.ones(3, 2)).sum().backward()
    opt.step()
    buffer = io.BytesIO()
    torch.save({"epoch": 3, "model": lin.state_dict(), "optimizer": opt.state_dict(), "note": "best"}, buffer)
    buffer.seek(0)
    back = torch.load(buffer)
    fresh = torch.optim.Adam(torch.nn.Linear(2, 1).parameters(), lr=0.5)
    fresh.load_state_dict(back["optimizer"])
    return [back["epoch"], back["note"], sorted(back), back["model"]["weight"], back["model"]["bias"],
            back["optimizer"]["param_groups"][0]["lr"], fresh.param_groups[0]["lr"],
            back["optimizer"]["state"][0]["exp_avg"]]


@case
def load_state_dict_result(torch):
    lin = torch.nn.Linear(2, 3)
    all_matched = lin.load_state_dict(lin.state_dict())
    partial = lin.load_state_dict({"weight": lin.weight.detach().clone()}, strict=False)
    return [repr(all_matched), list(partial.missing_keys), list(partial.unexpected_keys)]
