"""Convolutional classics: a small ResNet (residual blocks with batch norm, F(x) + x) and a
VGG-style stack of 3x3 convolutions."""
from .. import nn
from ..creation import generator_stream


def basic_block(cin, cout, stride, seed):
    """Two 3x3 conv + batch-norm layers; the shortcut projects (1x1 conv) when the shape changes.
    Returns Residual(block, shortcut) followed by ReLU: relu(F(x) + x)."""
    body = nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False, generator=seed()), nn.BatchNorm2d(cout),
                         nn.ReLU(), nn.Conv2d(cout, cout, 3, 1, 1, bias=False, generator=seed()),
                         nn.BatchNorm2d(cout))
    shortcut = None
    if stride != 1 or cin != cout:
        shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False, generator=seed()), nn.BatchNorm2d(cout))
    return nn.Sequential(nn.Residual(body, shortcut), nn.ReLU())


def resnet(input_shape=(1, 28, 28), num_classes=10, widths=(16, 32, 64), blocks_per_stage=1, generator=None):
    """A small ResNet (He et al., 2016): a 3x3 stem, then one stage per width (stride 2 from the
    second), each of ``blocks_per_stage`` basic blocks, then global average pooling and a dense head."""
    seed = generator_stream(generator)
    layers = [nn.Conv2d(input_shape[0], widths[0], 3, 1, 1, bias=False, generator=seed()), nn.BatchNorm2d(widths[0]),
              nn.ReLU()]
    cin = widths[0]
    for i, w in enumerate(widths):
        for b in range(blocks_per_stage):
            layers.append(basic_block(cin, w, 2 if i > 0 and b == 0 else 1, seed))
            cin = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, num_classes, generator=seed())]
    return nn.Sequential(*layers)


def vgg(input_shape=(1, 28, 28), num_classes=10, widths=(32, 64), convs_per_stage=2, dropout=0.3, generator=None):
    """VGG-style (Simonyan & Zisserman, 2015): stages of 3x3 conv + batch norm + ReLU, each ended by
    a 2x2 max pool, then a dense head with dropout."""
    seed = generator_stream(generator)
    c, h, w = input_shape
    layers = []
    for width in widths:
        for _ in range(convs_per_stage):
            layers += [nn.Conv2d(c, width, 3, padding=1, bias=False, generator=seed()), nn.BatchNorm2d(width),
                       nn.ReLU()]
            c = width
        layers.append(nn.MaxPool2d(2))
        h, w = h // 2, w // 2
    layers += [nn.Flatten(), nn.Dropout(dropout, generator=seed()), nn.Linear(c * h * w, 128, generator=seed()),
               nn.ReLU(), nn.Linear(128, num_classes, generator=seed())]
    return nn.Sequential(*layers)
