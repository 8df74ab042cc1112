"""D. Zeiler and Fergus 2014's top-9: for a few channels of a conv layer (picked at random, seeded),
the 9 images of a data set scanned once that activate each most, cropped to the unit's receptive
field, and the deconvolution from that unit, cached for zeiler-top9."""
import torch

from underhood import cli, io, models, zeiler

cli.one_line_errors()  # the project's own errors end with one line, not a traceback

p = cli.maps_parser(__doc__, images=False)
p.add_argument("--data", required=True, help="the data set scanned (its test split)")
p.add_argument("--nb-scan", type=int, required=True, help="scan its first N test images (0: all)")
p.add_argument("--size", type=int, required=True, help="side of the scanned images (bilinear resize)")
p.add_argument("--layer", required=True, help="the conv layer")
p.add_argument("--nb-channels", type=int, required=True, help="channels picked at random")
p.add_argument("--nb-top", type=int, required=True, help="top activations per channel")
a = p.parse_args()

model, info, space = cli.load_model(a)
images = io.load_torch(a.data)["test_x"][:a.nb_scan or None]
g = torch.Generator().manual_seed(a.seed)
channels = torch.randperm(models.layer(model, a.layer).out_channels, generator=g)[:a.nb_channels].sort().values
out = dict(classes=info["classes"], **zeiler.top9(model, a.layer, images, channels, a.nb_top, a.size, space.to_input))
io.save_torch(out, a.output)
print(f"{a.layer}: channels {channels.tolist()}, receptive field {out['receptive_field']} px, scanned {len(images)} images")
