"""A plain PyTorch MNIST program (torchvision datasets and transforms, DataLoader, torch.save).

Run it on gradwise with the import hook, unchanged:
    GRADWISE_DATASETS=../shared/data gradwise run examples/pytorch/mnist_torchvision.py --epochs 1
or on PyTorch itself (with torchvision installed):
    python examples/pytorch/mnist_torchvision.py --epochs 1
"""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, Subset
from torchvision import datasets, transforms


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1)
        self.conv2 = nn.Conv2d(16, 32, 3, 1)
        self.fc1 = nn.Linear(32 * 5 * 5, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


def train(model, loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(loader):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(data), target)
        loss.backward()
        optimizer.step()
        if batch_idx % 200 == 0:
            print(f"epoch {epoch} [{batch_idx * len(data)}/{len(loader.dataset)}] loss {loss.item():.4f}")


def test(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for data, target in loader:
            correct += (model(data).argmax(dim=1) == target).sum().item()
    accuracy = correct / len(loader.dataset)
    print(f"test accuracy {accuracy:.4f}")
    return accuracy


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--limit", type=int, default=0, help="use only this many training images (0: all)")
    p.add_argument("--root", default="data")
    p.add_argument("--out", default="mnist_checkpoint.pt")
    args = p.parse_args()
    torch.manual_seed(1)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_set = datasets.MNIST(args.root, train=True, download=True, transform=tf)
    if args.limit:
        train_set = Subset(train_set, range(args.limit))
    test_set = datasets.MNIST(args.root, train=False, transform=tf)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, num_workers=1)
    test_loader = DataLoader(test_set, batch_size=1000)
    model = Net()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    for epoch in range(1, args.epochs + 1):
        train(model, train_loader, optimizer, epoch)
        accuracy = test(model, test_loader)
        scheduler.step()
        torch.save({"epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "accuracy": accuracy}, args.out)
    checkpoint = torch.load(args.out, weights_only=True)
    restored = Net()
    restored.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    print(f"reloaded epoch {checkpoint['epoch']}: test accuracy {test(restored, test_loader):.4f}")


if __name__ == "__main__":
    main()
