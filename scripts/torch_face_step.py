"""PyTorch's counterpart of `facenas bench --case ir18-train`: one face-training step of IR-18 with
the AdaFace margin head (m 0.4, h 0.333, s 64, t_alpha 0.01) over CASIA-WebFace's 10,572 identities,
batch 32, SGD (lr 0.01, momentum 0.9, weight decay 5e-4), written to the conventions of
shared/bench/torch_reference.py: same IR-18, same --threads/--channels-last/--bf16 switches, the
median of timed iterations after two warm-ups, one `name ... train_img_s=X` line.

Run: python torch_face_step.py --reference-dir ../shared/bench [--threads 2] [--channels-last] [--quick]
The head is written as AdaFace's authors run it (the margin applied through acos/cos over the whole
cosine matrix, the feature-norm statistics updated from the batch before use): what a PyTorch user
training with AdaFace times.
"""
import argparse, math, sys
import torch, torch.nn as nn, torch.nn.functional as F


class AdaFaceHead(nn.Module):
    def __init__(self, embedding=512, classes=10572, m=0.4, h=0.333, s=64.0, t_alpha=0.01, eps=1e-3):
        super().__init__()
        self.kernel = nn.Parameter(torch.empty(embedding, classes).uniform_(-1, 1))
        self.m, self.h, self.s, self.t_alpha, self.eps = m, h, s, t_alpha, eps
        self.register_buffer("batch_mean", torch.ones(1) * 20)
        self.register_buffer("batch_std", torch.ones(1) * 100)

    def forward(self, features, labels):
        norms = features.norm(dim=1, keepdim=True)
        cosine = (features / norms) @ F.normalize(self.kernel, dim=0)
        cosine = cosine.clamp(-1 + self.eps, 1 - self.eps)
        safe = norms.clamp(0.001, 100).detach()
        with torch.no_grad():
            self.batch_mean.mul_(1 - self.t_alpha).add_(self.t_alpha * safe.mean())
            self.batch_std.mul_(1 - self.t_alpha).add_(self.t_alpha * safe.std())
        scaler = ((safe - self.batch_mean) / (self.batch_std + self.eps) * self.h).clamp(-1, 1)
        onehot = torch.zeros_like(cosine).scatter_(1, labels.view(-1, 1), 1.0)
        theta = cosine.acos() + onehot * (-self.m * scaler)
        cosine = theta.clamp(self.eps, math.pi - self.eps).cos() - onehot * (self.m + self.m * scaler)
        return cosine * self.s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference-dir", required=True, help="directory holding shared/bench's torch_reference.py")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--bf16", action="store_true")
    ap.add_argument("--iterations", type=int, default=None)
    a = ap.parse_args()
    sys.path.insert(0, a.reference_dir)
    import torch_reference as ref
    ref.FAST.update(channels_last=a.channels_last, bf16=a.bf16)
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    iters = a.iterations or (3 if a.quick else 10)
    backbone, head = ref.IResNet(), AdaFaceHead()
    backbone, x = ref.prepare(backbone, torch.randn(32, 3, 112, 112))
    y = torch.randint(0, 10572, (32,))
    params = list(backbone.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=5e-4)
    backbone.train()

    def step():
        opt.zero_grad(set_to_none=True)
        with ref.autocast():
            logits = head(backbone(x).float(), y)
        F.cross_entropy(logits, y).backward(); opt.step()
    rate = x.shape[0] / ref.time_it(step, max(2, iters // 2))
    print(f"ir18-adaface 112x112 b32 classes=10572 train_img_s={rate:.2f}")


if __name__ == "__main__":
    main()
