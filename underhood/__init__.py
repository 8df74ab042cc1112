"""underhood: the figures of the lecture "Under the hood" (EE-559, lecture 8), regenerated.

Modules, in the lecture's words:
  data      embedded data sets (digits28, shapes, photos, faces, swiss roll) and the lecture's
  assets    the lecture tier's downloads, checked against pinned SHA-256 sums
  models    the model zoo (LeNet, AlexNet-, VGG- and ResNet-like nets, torchvision's ImageNet nets)
  train     training loop for the models the pipeline makes itself
  toy       the R^2 -> 2 MLP whose hidden units are lines
  dilation  output sizes of dilated convolutions, and their diagram
  plot      filter grids and deterministic figure saving
  io        atomic writes, device and seed handling
"""
