"""Fooling images (Nguyen et al. 2015, "Deep neural networks are easily fooled"): images evolved
from random ones by a genetic algorithm, with no gradient, until the net gives a target class a
high confidence, although a person recognises nothing in them.

Indirect encoding, as Nguyen et al.'s: a genome is a low-resolution RGB image in [0, 1], upsampled
(bilinear) to the net's input size. Fitness = the softmax probability of the target class.
One generation: elitism (the best genomes are kept as they are, so the best fitness never
decreases), tournament selection of parents, uniform crossover, Gaussian mutation of a fraction of
the genes. Every target class evolves its own population, all evaluated together in batches.
"""
import torch
import torch.nn.functional as F
from tqdm import tqdm


def decode(genomes, size):
    """Genomes (N x 3 x g x g in [0, 1]) -> images (N x 3 x size x size in [0, 1])."""
    return F.interpolate(genomes, size=(size, size), mode="bilinear", align_corners=False).clamp(0, 1)


@torch.no_grad()
def fitness(model, genomes, targets, size, to_input, batch_size=256, device="cpu"):
    """Probability of targets[i] for the image of genomes[i]."""
    out = []
    for i in range(0, len(genomes), batch_size):
        x = to_input(decode(genomes[i:i + batch_size].to(device), size))
        p = model(x).softmax(1)
        out.append(p[torch.arange(len(x), device=device), targets[i:i + batch_size].to(device)].cpu())
    return torch.cat(out)


def evolve(model, targets, size, to_input, evaluations=10000, population=50, genome_size=8, elite=2,
           tournament=3, crossover=0.5, mutation_rate=0.1, mutation_std=0.2, generator=None, device="cpu",
           batch_size=256):
    """Evolve one population per target class, `evaluations` fitness evaluations per target in all.

    population: genomes per target; genome_size: side of the low-resolution genome; elite: genomes
    copied unchanged into the next generation; tournament: size of the tournaments that pick
    parents; crossover: probability that a gene comes from the second parent; mutation_rate: the
    fraction of genes mutated, by N(0, mutation_std^2), clamped to [0, 1]. `generator` (a seeded
    torch.Generator) drives every random choice.
    Returns (best genomes: T x 3 x g x g, best fitness per generation: generations x T)."""
    if population <= elite:
        raise ValueError(f"population {population} must be larger than elite {elite}")
    T, P, g = len(targets), population, genome_size
    targets = torch.as_tensor(targets)
    tgt = targets.repeat_interleave(P)
    pop = torch.rand((T, P, 3, g, g), generator=generator)
    fit = fitness(model, pop.flatten(0, 1), tgt, size, to_input, batch_size, device).view(T, P)
    generations = max(1, (evaluations - P) // (P - elite))
    history = [fit.max(1).values]
    rows = torch.arange(T).view(-1, 1)
    for _ in tqdm(range(generations), desc="genetic algorithm", mininterval=2):
        order = fit.argsort(1, descending=True)
        elites = pop[rows, order[:, :elite]]
        n = P - elite

        def parents():
            cand = torch.randint(0, P, (T, n, tournament), generator=generator)
            win = fit[rows.unsqueeze(-1), cand].argmax(-1)
            return pop[rows, cand.gather(-1, win.unsqueeze(-1)).squeeze(-1)]

        a, b = parents(), parents()
        child = torch.where(torch.rand(a.shape, generator=generator) < crossover, b, a)
        mutate = torch.rand(child.shape, generator=generator) < mutation_rate
        child = (child + mutate * mutation_std * torch.randn(child.shape, generator=generator)).clamp(0, 1)
        child_fit = fitness(model, child.flatten(0, 1), targets.repeat_interleave(n), size, to_input,
                            batch_size, device).view(T, n)
        pop = torch.cat([elites, child], 1)
        fit = torch.cat([fit[rows, order[:, :elite]], child_fit], 1)
        history.append(fit.max(1).values)
    best = fit.argmax(1)
    return pop[torch.arange(T), best], torch.stack(history)
