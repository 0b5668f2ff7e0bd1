"""What a supplier's 10-image form costs the worker that stores it: wall time and peak resident memory.

    .venv/bin/python bench/uploads.py            # 10 JPEG photos of 20 megapixels (4.9 MB or less each)
    .venv/bin/python bench/uploads.py --png      # 10 PNG drawings of 20 megapixels

Each run is a fresh process: the pictures are made in a child process first, so the parent's peak RSS
(ru_maxrss) is what storing them took, on top of the app as loaded.
"""
import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WIDTH, HEIGHT = 5000, 4000  # 20 megapixels, the most an upload may have


def make_pictures(folder: Path, count: int, png: bool) -> None:
    from PIL import Image, ImageDraw, ImageFilter

    for n in range(count):
        picture = Image.radial_gradient("L").resize((WIDTH, HEIGHT)).convert("RGB")
        draw = ImageDraw.Draw(picture)
        for k in range(60):
            x, y = (k * 797 + n * 131) % WIDTH, (k * 541 + n * 97) % HEIGHT
            draw.ellipse((x, y, x + 400, y + 300), fill=((k * 40) % 256, (n * 60) % 256, (k * 90) % 256))
        if png:
            picture.save(folder / f"{n}.png", optimize=True)
        else:
            # A little texture, as a photo has, without passing the 5 MB limit.
            picture = picture.filter(ImageFilter.GaussianBlur(2))
            picture.save(folder / f"{n}.jpg", quality=85)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--png", action="store_true")
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--make", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make_pictures(Path(args.make), args.count, args.png)
        return

    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, __file__, "--make", folder, "--count", str(args.count),
                        *(["--png"] if args.png else [])], check=True)
        files = sorted(Path(folder).iterdir())
        sizes = [path.stat().st_size for path in files]

        from app import create_app
        from blueprints.media.images import store_images

        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "UPLOAD_FOLDER": str(Path(folder) / "stored")})
        with app.app_context():
            before = rss_mb()
            started, cpu = time.perf_counter(), time.process_time()
            streams = [(path.name, path.open("rb")) for path in files]
            stored = store_images(streams)
            took, cpu = time.perf_counter() - started, time.process_time() - cpu
            for _name, stream in streams:
                stream.close()
        print(f"{len(stored)} {'PNG' if args.png else 'JPEG'} files of {WIDTH}x{HEIGHT}, "
              f"{min(sizes) / 1e6:.1f}-{max(sizes) / 1e6:.1f} MB each: {took:.2f} s ({cpu:.2f} s CPU), "
              f"peak RSS {rss_mb():.0f} MB (app loaded: {before:.0f} MB, so +{rss_mb() - before:.0f} MB)")


if __name__ == "__main__":
    main()
