"""Small PyTorch models for graph tests: a CNN with nested modules (a Sequential of residual blocks)."""

from __future__ import annotations

import torch
from torch import nn


class Block(nn.Module):
    """Conv, batch norm and ReLU with a residual connection."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn = nn.BatchNorm2d(channels)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return act(bn(conv(x))) + x."""
        return self.act(self.bn(self.conv(x))) + x


class Net(nn.Module):
    """A stem convolution, six blocks and a linear head, for 1x8x8 inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, padding=1)
        self.blocks = nn.Sequential(*[Block(4) for _ in range(6)])
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(4 * 8 * 8, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the class scores."""
        return self.head(self.blocks(self.stem(x)))
