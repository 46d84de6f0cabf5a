"""Generates the npz fixtures for NpzWeightsTest (run from this folder; PyTorch + NumPy from the local wheel index).

    python make_small_cnn.py

A small CNN (conv 1->4 3x3, ReLU, flatten, dense 64->5, tanh, dense 5->3) with fixed random weights:
  small_cnn_torch.npz      PyTorch state_dict: conv OIHW, dense [out, in]
  small_cnn_tf.npz         the same weights in TensorFlow/Keras layouts: conv HWIO, dense [in, out]
                           (dense rows stay in channel-first flatten order, so the same DL4J model fits)
  small_cnn_reference.npz  input x [2,1,6,6] and PyTorch's output y [2,3], float32
  *.map.json               name maps from DL4J "layer/param" to npz array names and layouts
"""
import json

import numpy as np
import torch
from torch import nn

torch.manual_seed(20261123)


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3)
        self.fc1 = nn.Linear(64, 5)
        self.fc2 = nn.Linear(5, 3)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.flatten(x, 1)  # channel-first order, as DL4J's CnnToFeedForwardPreProcessor
        return self.fc2(torch.tanh(self.fc1(x)))


model = SmallCnn().eval()
x = torch.rand(2, 1, 6, 6)
with torch.no_grad():
    y = model(x)

sd = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
np.savez("small_cnn_torch.npz", **sd)
np.savez_compressed("small_cnn_tf.npz", **{
    "conv1/kernel": sd["conv1.weight"].transpose(2, 3, 1, 0),  # OIHW -> HWIO
    "conv1/bias": sd["conv1.bias"],
    "fc1/kernel": sd["fc1.weight"].T,
    "fc1/bias": sd["fc1.bias"],
    "fc2/kernel": sd["fc2.weight"].T,
    "fc2/bias": sd["fc2.bias"],
})
np.savez("small_cnn_reference.npz", x=x.numpy(), y=y.numpy())

with open("small_cnn_torch.map.json", "w") as f:
    json.dump({
        "conv1/W": {"from": "conv1.weight", "layout": "CONV_OIHW"},
        "conv1/b": "conv1.bias",
        "fc1/W": {"from": "fc1.weight", "layout": "DENSE_OUT_IN"},
        "fc1/b": "fc1.bias",
        "fc2/W": {"from": "fc2.weight", "layout": "DENSE_OUT_IN"},
        "fc2/b": "fc2.bias",
    }, f, indent=2)
with open("small_cnn_tf.map.json", "w") as f:
    json.dump({
        "conv1/W": {"from": "conv1/kernel", "layout": "CONV_HWIO"},
        "conv1/b": "conv1/bias",
        "fc1/W": {"from": "fc1/kernel", "layout": "DENSE_IN_OUT"},
        "fc1/b": "fc1/bias",
        "fc2/W": {"from": "fc2/kernel", "layout": "DENSE_IN_OUT"},
        "fc2/b": "fc2/bias",
    }, f, indent=2)
print("y =", y.numpy())
