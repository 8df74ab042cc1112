"""The model zoo. Layers are named as torchvision names them (`features.0`, `layer3.1`, ...).

Embedded tier: small nets of the lecture's families, trained by the pipeline on embedded data.
  lenet          LeNet in the lecture's shape: conv 1->32 5x5, conv 32->64 5x5, two linear layers
  alexnet_small  AlexNet-like: conv 3->64 7x7 stride 3, conv 64->192 5x5, three 3x3 convs
  vgg_small      VGG-like: 13 3x3 convs (with batch norm) in blocks 2-2-3-3-3, so "conv 4, 7, 10, 13" exist
  resnet_small   ResNet-like: a 3x3 stem and three stages of basic residual blocks
  resnet_nopool  the lecture's home-baked ResNet without pooling (t-SNE along the depth), depth in the zoo
  dynamics_resnet18  the 2d dynamics net (Fleuret, 2016): 18 convs of basic residual blocks, image to image
Lecture tier: torchvision's alexnet, vgg16, vgg19, resnet152 with ImageNet weights (downloaded).

A checkpoint is a dict of plain types and tensors (loadable with weights_only=True):
  {arch, kwargs, state_dict, classes, mean, std, input_size, metrics}; the dynamics net's has the
  simulation's `params` instead of classes, mean, std and input_size.
"""
import torch
from torch import nn

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def init_relu_net(model):
    """He initialization for the convolutions (as torchvision's VGG), so that a deep ReLU net
    without normalization starts with activations that neither vanish nor explode."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(m.bias)


class LeNet(nn.Module):
    def __init__(self, num_classes=10, in_channels=1):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, kernel_size=5), nn.ReLU(inplace=True), nn.MaxPool2d(2),  # 0 1 2
            nn.Conv2d(32, 64, kernel_size=5), nn.ReLU(inplace=True), nn.MaxPool2d(2),           # 3 4 5
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(64 * 4 * 4, 200), nn.ReLU(inplace=True), nn.Linear(200, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


class AlexNetSmall(nn.Module):
    """AlexNet's five convs and three linear layers, narrowed for 64x64 inputs
    (maps 22x22 after conv1, 10x10 after conv2, 4x4 for conv3-5)."""

    def __init__(self, num_classes=10, in_channels=3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 64, kernel_size=7, stride=3, padding=3), nn.ReLU(inplace=True),  # 0 1
            nn.MaxPool2d(kernel_size=3, stride=2),                                                  # 2
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),                    # 3 4
            nn.MaxPool2d(kernel_size=3, stride=2),                                                  # 5
            nn.Conv2d(192, 128, kernel_size=3, padding=1), nn.ReLU(inplace=True),                   # 6 7
            nn.Conv2d(128, 128, kernel_size=3, padding=1), nn.ReLU(inplace=True),                   # 8 9
            nn.Conv2d(128, 128, kernel_size=3, padding=1), nn.ReLU(inplace=True),                   # 10 11
            nn.MaxPool2d(kernel_size=3, stride=2),                                                  # 12
        )
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Sequential(  # no dropout: a small net on a small data set learns faster without
            nn.Linear(128, 256), nn.ReLU(inplace=True), nn.Linear(256, 256), nn.ReLU(inplace=True),
            nn.Linear(256, num_classes))


    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class VGGSmall(nn.Module):
    """VGG16's 13 3x3 convs in blocks 2-2-3-3-3 with max pooling between blocks (as vgg16_bn)."""

    def __init__(self, num_classes=10, in_channels=3, widths=(16, 32, 64, 128, 128), blocks=(2, 2, 3, 3, 3)):
        super().__init__()
        layers, c = [], in_channels
        for w, n in zip(widths, blocks):
            for _ in range(n):
                layers += [nn.Conv2d(c, w, kernel_size=3, padding=1), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
                c = w
            layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(c, 128), nn.ReLU(inplace=True),
                                        nn.Dropout(0.3), nn.Linear(128, num_classes))

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)))


class BasicBlock(nn.Module):
    """torchvision's basic residual block: two 3x3 convs with batch norm, the input (through a 1x1 conv
    where the shape changes) added before the last ReLU; its two ReLUs are two modules, each hookable."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu2 = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu1(self.bn1(self.conv1(x)))
        return self.relu2(self.bn2(self.conv2(y)) + identity)


class ResNetSmall(nn.Module):
    """torchvision's ResNet layout (conv1, bn1, relu, layer1..3, avgpool, fc) at small widths."""

    def __init__(self, num_classes=10, in_channels=3, widths=(16, 32, 64), blocks=(1, 1, 1), pool=True):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, widths[0], 3, 1 if not pool else 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        c, stages = widths[0], []
        for i, (w, n) in enumerate(zip(widths, blocks)):
            stage = [BasicBlock(c, w, 1 if i == 0 else 2)] + [BasicBlock(w, w) for _ in range(n - 1)]
            stages.append(nn.Sequential(*stage))
            c = w
        for i, s in enumerate(stages):
            setattr(self, f"layer{i + 1}", s)
        self.nb_stages = len(stages)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        for i in range(self.nb_stages):
            x = getattr(self, f"layer{i + 1}")(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


class ResNetNoPool(nn.Module):
    """The lecture's "home-baked resnet (no pooling, 66 layers)" for CIFAR-10: a 3x3 stem, basic
    residual blocks in three stages (widths 16, 32, 64) and a linear layer on the flattened last map.
    No pooling anywhere: the resolution is kept inside a stage and reduced only by the stride-2 first
    convolution of stages 2 and 3. `depth` counts the weight layers: 1 (stem) + 2 per block + 1 (fc),
    so depth 66 has 32 blocks (11, 11, 10); layers are named conv1, layer1.0, ..., layer3.9, fc."""

    def __init__(self, num_classes=10, in_channels=3, depth=14, widths=(16, 32, 64), input_size=32):
        super().__init__()
        if depth < 2 + 2 * len(widths) or depth % 2:
            raise ValueError(f"depth {depth}: must be even and at least {2 + 2 * len(widths)} (1 + 2 per block + 1)")
        nb_blocks = (depth - 2) // 2
        per_stage = [nb_blocks // len(widths) + (i < nb_blocks % len(widths)) for i in range(len(widths))]
        self.conv1 = nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        c, size = widths[0], input_size
        for i, (w, n) in enumerate(zip(widths, per_stage)):
            stride = 1 if i == 0 else 2
            size = (size - 1) // stride + 1
            setattr(self, f"layer{i + 1}", nn.Sequential(BasicBlock(c, w, stride), *[BasicBlock(w, w) for _ in range(n - 1)]))
            c = w
        self.nb_stages = len(widths)
        self.fc = nn.Linear(c * size * size, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        for i in range(self.nb_stages):
            x = getattr(self, f"layer{i + 1}")(x)
        return self.fc(torch.flatten(x, 1))


class DynamicsNet(nn.Module):
    """The 2d dynamics net (Fleuret, 2016; underhood.dynamics): 18 conv layers, no pooling, the resolution
    kept all along: conv1 (in -> C), layer1..layer4 of two residual blocks each (16 convs C -> C),
    conv_out (C -> 1). Input (start, grasp) in [0, 1], output the end image."""

    def __init__(self, in_channels=2, channels=16, out_channels=1, blocks=(2, 2, 2, 2)):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        for i, n in enumerate(blocks):
            setattr(self, f"layer{i + 1}", nn.Sequential(*[BasicBlock(channels, channels) for _ in range(n)]))
        self.nb_stages = len(blocks)
        self.conv_out = nn.Conv2d(channels, out_channels, 3, padding=1)
        for m in self.modules():
            if isinstance(m, BasicBlock):  # each block starts as the identity (torchvision's zero_init_residual)
                nn.init.zeros_(m.bn2.weight)
        nn.init.normal_(self.conv_out.weight, std=1e-3)  # the output starts flat, at 0
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        for i in range(self.nb_stages):
            x = getattr(self, f"layer{i + 1}")(x)
        return self.conv_out(x)

    def conv_names(self):
        return [n for n, m in self.named_modules() if isinstance(m, nn.Conv2d)]

    def depth_names(self):
        """For conv layer k = 1..18, the module whose output is the activation at depth k: the ReLU
        after it (for the second conv of a block: after the skip connection is added), and for
        the last layer conv_out itself (the prediction)."""
        names = ["relu"]
        for i in range(self.nb_stages):
            for j in range(len(getattr(self, f"layer{i + 1}"))):
                names += [f"layer{i + 1}.{j}.relu1", f"layer{i + 1}.{j}.relu2"]
        return names + ["conv_out"]


def _torchvision(name):
    def build(num_classes=1000, in_channels=3):
        import torchvision

        return getattr(torchvision.models, name)(weights=None, num_classes=num_classes)
    return build


ARCHS = {
    "lenet": LeNet, "alexnet_small": AlexNetSmall, "vgg_small": VGGSmall, "resnet_small": ResNetSmall,
    "resnet_nopool": ResNetNoPool, "dynamics_resnet18": DynamicsNet,
    "alexnet": _torchvision("alexnet"), "vgg16": _torchvision("vgg16"), "vgg19": _torchvision("vgg19"),
    "resnet152": _torchvision("resnet152"),
}


def build(arch, **kwargs):
    if arch not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r}; known: {', '.join(ARCHS)}")
    return ARCHS[arch](**kwargs)


def imagenet_classes():
    import torchvision

    return list(torchvision.models.AlexNet_Weights.IMAGENET1K_V1.meta["categories"])


def checkpoint(model, arch, kwargs, metrics=None, **info):
    """What `load` reads: info is a classifier's classes, mean, std and input_size (lists), the
    dynamics net's simulation params."""
    return dict(arch=arch, kwargs=kwargs, state_dict={k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
                **info, metrics=metrics or {})


def load(path, arch=None, device="cpu", sha256=None):
    """A model ready for evaluation and its info dict (classes, mean, std, input_size).

    `path` is a checkpoint written by the pipeline, or (with `arch`) a torchvision state dict;
    with `sha256` the file is checked first (a downloaded or hand-placed file)."""
    from .io import load_torch

    if sha256:
        from . import provenance
        from .assets import verify

        verify(path, sha256)
        provenance.used(path, sha256)  # recorded with the sum just checked: load_torch does not hash it again
    ck = load_torch(path, record=not sha256)
    if "state_dict" not in ck:  # a raw torchvision ImageNet state dict
        if arch is None:
            raise ValueError(f"{path}: a bare state dict; say which architecture it is")
        ck = dict(arch=arch, kwargs={}, state_dict=ck, classes=imagenet_classes(), mean=list(IMAGENET_MEAN),
                  std=list(IMAGENET_STD), input_size=[3, 224, 224], metrics={})
    model = build(ck["arch"], **ck["kwargs"])
    model.load_state_dict(ck["state_dict"])
    model.eval().to(device)
    info = {k: v for k, v in ck.items() if k != "state_dict"}
    return model, info


def layer(model, name):
    """The submodule called `name` (torchvision's naming); an unknown name lists the valid ones."""
    modules = dict(model.named_modules())
    if name not in modules or name == "":
        valid = [n for n, m in modules.items() if n and not isinstance(m, nn.Sequential)]
        raise ValueError(f"unknown layer {name!r}; valid layers: {', '.join(valid)}")
    return modules[name]
