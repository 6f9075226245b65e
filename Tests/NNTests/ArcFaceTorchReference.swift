/// The two insightface ArcFace heads in PyTorch (float64), each followed by mean cross-entropy, as
/// arcface_torch trains them: cosines of the normalised embeddings and centres, clamped to [−1, 1]
/// (PartialFC does so before the margin), the margin on the target logit, times s. Argument: JSON
/// {x, w, labels, m, s, gradient}; prints JSON {loss, dx, dw} (gradients flattened row-major).
///
/// Written from the facts of `recognition/arcface_torch/losses.py`: since December 2022 the
/// angles, the margin and the cosine are taken under `torch.no_grad()` and written into the
/// tensor that carries the graph, so backward meets them as the identity, and nothing replaces
/// cos(θ+m) past θ + m = π; before, autograd went through cos(θ+m) where cosθ > cos(π − m) and
/// the target was cosθ − m·sin(π − m) elsewhere.
let arcFaceTorchReference = #"""
import json, math, sys
import torch
import torch.nn.functional as F

a = json.loads(sys.argv[1])
x = torch.tensor(a["x"], dtype=torch.float64, requires_grad=True)
w = torch.tensor(a["w"], dtype=torch.float64, requires_grad=True)
y = torch.tensor(a["labels"], dtype=torch.long)
m, s = float(a["m"]), float(a["s"])
rows = torch.arange(y.numel())
cos = F.linear(F.normalize(x), F.normalize(w)).clamp(-1, 1)

if a["gradient"] == "straight-through":
    logits = cos.clone()
    with torch.no_grad():
        angles = logits.acos()
        angles[rows, y] += m
        logits.copy_(angles.cos())
elif a["gradient"] == "exact":
    target = cos[rows, y]
    shifted = torch.cos(torch.acos(target) + m)
    final = torch.where(target > math.cos(math.pi - m), shifted, target - math.sin(math.pi - m) * m)
    is_target = F.one_hot(y, cos.shape[1]).bool()
    logits = torch.where(is_target, final.unsqueeze(1).expand_as(cos), cos)
else:
    raise SystemExit("unknown gradient " + a["gradient"])

loss = F.cross_entropy(logits * s, y)
loss.backward()
print(json.dumps({"loss": loss.item(), "dx": x.grad.flatten().tolist(), "dw": w.grad.flatten().tolist()}))
"""#
