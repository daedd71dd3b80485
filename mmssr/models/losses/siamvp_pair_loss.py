"""SiamVP's pair loss: BCE on hard and random pairs of one batch."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmssr.registry import MODELS


@MODELS.register_module()
class SiamVPPairLoss(nn.Module):
    """BCE on pairs inside a batch (target 1 when view ids are equal).

    Among the pairs ``i < j`` of the batch, the hardest positive pair
    (lowest logit among same-view pairs) and the hardest negative (highest
    logit among different-view pairs), each mixed with ``num_random_pairs``
    random pairs of its kind drawn with replacement, as in the SSR
    reference. With ``groups`` (e.g. category ids) only pairs inside a group
    are used: pseudo-labelling compares images with references of their own
    category, so that is the task to learn.

    Args:
        num_random_pairs: random positive and random negative pairs added to
            the hardest ones.
        loss_weight: factor on the loss.
    """

    def __init__(self,
                 num_random_pairs: int = 32,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if int(num_random_pairs) != num_random_pairs or num_random_pairs < 0:
            raise ValueError(f'num_random_pairs must be an integer >= 0, '
                             f'got {num_random_pairs}')
        self.num_random_pairs = int(num_random_pairs)
        self.loss_weight = loss_weight

    def forward(
            self,
            logits: Tensor,
            view_ids: Tensor,
            groups: Optional[Tensor] = None,
            generator: Optional[torch.Generator] = None) -> Dict[str, Tensor]:
        """Loss of same-viewpoint logits (N, N), e.g. of ``SiamVP``.

        Args:
            logits: (N, N); only the upper triangle is read.
            view_ids: (N,) viewpoint ids.
            groups: optional (N,) ids; pairs across groups are ignored.
            generator: source of the random pairs (a CPU generator), so that
                training can be replayed exactly.

        Returns:
            ``loss_siamvp`` and ``acc_siamvp``, the (detached) accuracy on
            the random pairs (balanced between positives and negatives; hard
            pairs would make it depend on the batch's worst case). Without
            any pair (N < 2, or no two images of a group) the loss is
            ``logits.sum() * 0``, which keeps every parameter in the graph,
            and the accuracy 0.
        """
        n = logits.shape[0] if logits.dim() else -1
        if logits.dim() != 2 or logits.shape[1] != n:
            raise ValueError(f'logits must be (N, N), got '
                             f'{tuple(logits.shape)}')
        view_ids = view_ids.to(logits.device).reshape(-1)
        if len(view_ids) != n:
            raise ValueError(f'{len(view_ids)} view ids for {n} images')
        upper = torch.triu(
            torch.ones(n, n, dtype=torch.bool, device=logits.device), 1)
        if groups is not None:
            groups = groups.to(logits.device).reshape(-1)
            if len(groups) != n:
                raise ValueError(f'{len(groups)} groups for {n} images')
            upper &= groups[:, None] == groups[None]
        same = view_ids[:, None] == view_ids[None]
        pos, neg = upper & same, upper & ~same
        scored, targets, random_mask = [], [], []
        for mask, target, pick_hard in ((pos, 1.0, torch.argmin),
                                        (neg, 0.0, torch.argmax)):
            idx = torch.nonzero(mask)
            if not len(idx):
                continue
            values = logits[idx[:, 0], idx[:, 1]]
            hard = pick_hard(values)
            chosen = [values[hard:hard + 1]]
            if self.num_random_pairs:
                pick = torch.randint(
                    len(idx), (self.num_random_pairs, ),
                    generator=generator).to(idx.device)
                chosen.append(values[pick])
            chosen = torch.cat(chosen)
            scored.append(chosen)
            targets.append(torch.full_like(chosen, target))
            flag = torch.ones_like(chosen, dtype=torch.bool)
            flag[0] = False
            random_mask.append(flag)
        if not scored:
            return dict(
                loss_siamvp=logits.sum() * 0.0,
                acc_siamvp=logits.new_tensor(0.0))
        scored, targets = torch.cat(scored), torch.cat(targets)
        random_mask = torch.cat(random_mask)
        loss = F.binary_cross_entropy_with_logits(scored, targets)
        correct = ((scored > 0).to(targets) == targets)[random_mask]
        acc = correct.float().mean() if len(correct) else \
            logits.new_tensor(0.0)
        return dict(
            loss_siamvp=self.loss_weight * loss, acc_siamvp=acc.detach())
