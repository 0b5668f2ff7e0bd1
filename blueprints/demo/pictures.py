"""Demo pictures drawn with Pillow: a simple, recognisable illustration of each kind of product (a teapot looks
like a teapot, a tote like a bag), in the colour of the variant it shows, on a soft table-top background."""
import colorsys
import io
import math

from PIL import Image, ImageDraw

SIZE = 800
SUPERSAMPLE = 2  # drawn at twice the size and scaled down, so the edges come out smooth

# English option values the demo uses, as the colour a drawing is filled with.
COLOURS = {
    "sage": (143, 163, 130), "ink": (44, 52, 66), "sand": (214, 190, 150), "clear": (214, 232, 236),
    "amber": (214, 150, 60), "black": (46, 46, 48), "moss": (96, 112, 62), "oat": (222, 208, 178),
    "rust": (168, 84, 52), "slate": (100, 114, 128), "indigo": (52, 64, 120), "cream": (240, 230, 204),
    "ochre": (204, 150, 48), "olive": (112, 114, 58), "navy": (38, 52, 92), "tan": (184, 138, 92),
    "grey": (132, 134, 138), "red": (196, 60, 52), "green": (70, 140, 90), "blue": (56, 104, 176),
    "pastel": (236, 176, 190), "deep": (118, 38, 70), "camel": (194, 150, 100), "wine": (120, 34, 52),
    "rose": (212, 140, 150), "brass": (196, 160, 72), "speckled": (222, 214, 196), "charcoal": (64, 64, 66),
    "glacier": (170, 204, 214), "white": (246, 246, 242), "blue and white": (246, 246, 242),
    "celadon": (160, 196, 170), "ru kiln": (176, 196, 200), "smoke": (150, 150, 150),
    "moon white": (226, 232, 236), "iron brown": (110, 70, 44), "ivory": (242, 234, 214), "jade": (120, 170, 140),
    "coral": (236, 120, 100), "clay": (190, 110, 80), "bamboo": (214, 184, 120), "linen": (216, 202, 176),
    "porcelain": (246, 246, 242), "tea": (196, 150, 70),
}
COBALT = (38, 70, 150)
WOOD = (186, 140, 88)


def colour_of(name: str | None, fallback: str = "sand") -> tuple[int, int, int]:
    return COLOURS.get((name or "").casefold(), COLOURS[fallback])


def shade(rgb, factor: float):
    """Darker below 1, lighter above 1 (towards white)."""
    if factor <= 1:
        return tuple(int(c * factor) for c in rgb)
    return tuple(int(c + (255 - c) * (factor - 1)) for c in rgb)


class Pen:
    """ImageDraw in the 800×800 picture's coordinates, whatever the canvas's real size."""

    def __init__(self, draw: ImageDraw.ImageDraw, scale: int):
        self.draw, self.scale = draw, scale

    def _at(self, values):
        return [v * self.scale for v in values]

    def _points(self, points):
        return [(x * self.scale, y * self.scale) for x, y in points]

    def box(self, box, fill=None, radius=0, outline=None, width=0):
        self.draw.rounded_rectangle(self._at(box), radius=radius * self.scale, fill=fill, outline=outline,
                                    width=width * self.scale)

    def oval(self, box, fill=None, outline=None, width=0):
        self.draw.ellipse(self._at(box), fill=fill, outline=outline, width=width * self.scale)

    def shape(self, points, fill=None, outline=None, width=0):
        self.draw.polygon(self._points(points), fill=fill, outline=outline, width=width * self.scale)

    def line(self, points, fill, width):
        self.draw.line(self._points(points), fill=fill, width=width * self.scale, joint="curve")

    def arc(self, box, start, end, fill, width):
        self.draw.arc(self._at(box), start, end, fill=fill, width=width * self.scale)

    def chord(self, box, start, end, fill):
        self.draw.chord(self._at(box), start, end, fill=fill)


# One function per kind of product; each draws the object standing on the table (whose edge is at y=600).

def bottle(pen, c):
    pen.box((320, 190, 480, 610), fill=c, radius=60)
    pen.box((334, 130, 466, 205), fill=shade(c, 0.6), radius=18)
    pen.box((320, 250, 480, 268), fill=shade(c, 0.8))
    pen.box((350, 290, 372, 560), fill=shade(c, 1.35), radius=10)


def mug(pen, c):
    pen.arc((430, 360, 580, 530), 270, 90, fill=shade(c, 0.8), width=30)
    pen.box((240, 300, 480, 610), fill=c, radius=34)
    pen.oval((240, 285, 480, 325), fill=shade(c, 0.7))
    for x, y in ((290, 380), (350, 450), (420, 400), (310, 520), (430, 540)):
        pen.oval((x, y, x + 8, y + 8), fill=shade(c, 0.65))


def glass_cup(pen, c):
    glass = shade(c, 1.5)
    pen.box((270, 290, 530, 610), fill=glass, radius=46, outline=(150, 160, 166), width=6)
    pen.box((298, 318, 502, 560), fill=shade(c, 1.7), radius=30, outline=(170, 180, 186), width=4)
    pen.box((300, 420, 500, 558), fill=(96, 58, 34), radius=28)
    pen.oval((300, 408, 500, 438), fill=(196, 150, 100))
    pen.box((290, 320, 304, 580), fill=(255, 255, 255), radius=7)


def teapot(pen, c, bail=True):
    dark = shade(c, 0.7)
    pen.shape(((520, 470), (650, 350), (676, 366), (560, 540)), fill=dark)
    if bail:
        pen.arc((300, 170, 500, 470), 190, 350, fill=dark, width=18)
    else:
        pen.arc((150, 380, 300, 540), 90, 270, fill=dark, width=26)
    pen.oval((220, 330, 580, 610), fill=c)
    pen.oval((320, 305, 480, 355), fill=dark)
    pen.oval((380, 268, 420, 312), fill=dark)
    for row, y in enumerate(range(380, 580, 38)):
        for x in range(270 + (row % 2) * 19, 540, 38):
            if ((x - 400) / 180) ** 2 + ((y - 470) / 140) ** 2 < 0.85:
                pen.oval((x - 7, y - 7, x + 7, y + 7), fill=shade(c, 0.8))


def small_cup(pen, x, y, c, w=90):
    pen.chord((x, y - w * 0.4, x + w, y + w * 0.7), 0, 180, fill=c)
    pen.oval((x, y - w * 0.12, x + w, y + w * 0.12), fill=shade(c, 0.85))


def tea_set(pen, c):
    pen.box((170, 560, 630, 600), fill=shade(c, 0.8), radius=14)  # the tray
    teapot_box = ((190, 380), (420, 560))
    (x0, y0), (x1, y1) = teapot_box
    pen.shape(((390, 470), (450, 410), (462, 420), (410, 500)), fill=shade(c, 0.75))
    pen.arc((150, 420, 230, 520), 90, 270, fill=shade(c, 0.75), width=16)
    pen.oval((x0, y0, x1, y1), fill=c)
    pen.oval((255, 362, 355, 392), fill=shade(c, 0.8))
    pen.oval((292, 340, 318, 366), fill=shade(c, 0.8))
    for x in (450, 540):
        small_cup(pen, x, 500, c, 80)


def travel_tea_set(pen, c):
    pen.box((170, 250, 630, 600), fill=c, radius=36)          # the open case
    pen.box((196, 276, 604, 574), fill=shade(c, 1.5), radius=24)
    porcelain = COLOURS["porcelain"]
    pen.oval((226, 380, 416, 560), fill=porcelain, outline=(200, 200, 196), width=3)
    pen.shape(((400, 460), (460, 410), (470, 420), (418, 492)), fill=(220, 220, 214))
    pen.oval((281, 366, 361, 392), fill=(220, 220, 214))
    for x in (460, 530):
        pen.chord((x, 440, x + 60, 520), 0, 180, fill=porcelain)
        pen.oval((x, 466, x + 60, 490), fill=(226, 226, 222))
        pen.chord((x, 340, x + 60, 420), 0, 180, fill=porcelain)
        pen.oval((x, 366, x + 60, 390), fill=(226, 226, 222))


def gaiwan(pen, c):
    pen.oval((230, 560, 570, 612), fill=shade(c, 0.9), outline=shade(c, 0.75), width=3)
    pen.chord((280, 360, 520, 600), 0, 180, fill=c)
    pen.chord((290, 330, 510, 450), 180, 360, fill=shade(c, 0.95))
    pen.oval((380, 312, 420, 340), fill=shade(c, 0.85))
    if c == COLOURS["blue and white"]:
        for y in (500, 530):
            pen.arc((320, y - 40, 480, y + 20), 20, 160, fill=COBALT, width=5)


def rice_bowl(pen, c):
    pen.box((340, 570, 460, 605), fill=shade(c, 0.85), radius=8)
    pen.chord((210, 300, 590, 600), 0, 180, fill=c)
    pen.oval((210, 420, 590, 480), fill=shade(c, 0.82))
    for x in range(250, 560, 60):
        pen.arc((x, 480, x + 50, 540), 200, 340, fill=COBALT, width=6)
    pen.line(((240, 500), (560, 500)), fill=COBALT, width=4)


def plate(pen, c):
    pen.oval((140, 470, 660, 620), fill=shade(c, 0.85))
    pen.oval((150, 460, 650, 600), fill=c)
    pen.oval((230, 485, 570, 575), fill=shade(c, 1.15))


def vase(pen, c):
    pen.oval((270, 330, 530, 610), fill=c)
    pen.box((360, 190, 440, 380), fill=c)
    pen.oval((340, 172, 460, 206), fill=shade(c, 0.8))
    pen.box((300, 400, 320, 560), fill=shade(c, 1.25), radius=10)


def pitcher(pen, c):
    glass = shade(c, 1.4)
    pen.arc((450, 340, 560, 500), 270, 90, fill=(150, 160, 166), width=14)
    pen.shape(((290, 280), (500, 280), (480, 600), (310, 600)), fill=glass, outline=(150, 160, 166), width=5)
    pen.shape(((270, 262), (320, 280), (300, 300)), fill=glass, outline=(150, 160, 166), width=4)
    pen.shape(((298, 420), (492, 420), (480, 596), (312, 596)), fill=(196, 140, 56))
    pen.oval((320, 262, 470, 300), fill=(200, 200, 200), outline=(130, 130, 130), width=4)


def tea_tin(pen, c):
    pen.box((290, 250, 510, 600), fill=c)
    pen.oval((290, 580, 510, 620), fill=shade(c, 0.8))
    pen.oval((290, 230, 510, 270), fill=shade(c, 1.2))
    pen.box((290, 340, 510, 470), fill=shade(c, 0.75))
    pen.box((350, 360, 450, 450), fill=(176, 40, 36), radius=6)  # a red seal
    leaf = (110, 150, 60)
    for x, y, tilt in ((200, 590, 0.4), (240, 602, -0.3), (540, 596, 0.2), (580, 586, -0.5), (560, 606, 0.6)):
        dx, dy = 40 * math.cos(tilt), 40 * math.sin(tilt)
        pen.shape(((x - dx, y - dy), (x - dy * 0.25, y + dx * 0.25), (x + dx, y + dy), (x + dy * 0.25, y - dx * 0.25)),
                  fill=leaf)


def tea_cake(pen, c):
    paper = (240, 232, 214)
    pen.oval((190, 430, 610, 620), fill=shade(paper, 0.85))
    pen.oval((190, 410, 610, 596), fill=paper)
    pen.oval((370, 480, 430, 520), fill=shade(paper, 0.9))
    pen.box((330, 440, 470, 490), fill=(176, 40, 36), radius=4)
    for x in range(230, 580, 50):
        pen.line(((x, 470), (x + 30, 560)), fill=shade(paper, 0.92), width=3)


def cutting_board(pen, c):
    wood = COLOURS["bamboo"]
    pen.box((160, 380, 640, 600), fill=wood, radius=26)
    pen.oval((580, 470, 616, 506), fill=shade(wood, 1.5))
    for y in range(410, 590, 34):
        pen.line(((190, y), (560, y)), fill=shade(wood, 0.85), width=3)


def chopsticks(pen, c):
    wood = COLOURS["bamboo"]
    pen.box((330, 560, 470, 590), fill=shade(wood, 0.7), radius=12)  # the rest
    for n in range(5):
        offset = n * 26
        pen.line(((160 + offset, 520 + n * 6), (640, 480 + offset)), fill=shade(wood, 1 - n * 0.06), width=11)


def folded_textile(pen, c, layers=3, stripes=True):
    for n in range(layers):
        top = 520 - n * 70
        pen.box((220 + n * 10, top, 580 - n * 10, top + 80), fill=shade(c, 1 - n * 0.05), radius=16)
        if stripes:
            pen.line(((230 + n * 10, top + 56), (570 - n * 10, top + 56)), fill=shade(c, 0.7), width=6)


def table_runner(pen, c):
    pen.shape(((120, 600), (680, 600), (600, 470), (200, 470)), fill=c)
    for x in range(130, 680, 18):
        pen.line(((x, 600), (x, 630)), fill=shade(c, 0.8), width=4)
    pen.line(((180, 520), (620, 520)), fill=shade(c, 0.8), width=5)


def throw(pen, c):
    pen.box((200, 360, 600, 600), fill=c, radius=30)
    for y in range(390, 600, 40):
        pen.line(((210, y), (590, y)), fill=shade(c, 0.85), width=3)
    for x in range(240, 600, 40):
        pen.line(((x, 370), (x, 590)), fill=shade(c, 0.85), width=3)
    pen.box((200, 360, 600, 420), fill=shade(c, 0.9), radius=30)


def cushion(pen, c):
    pen.box((220, 280, 580, 610), fill=c, radius=80)
    for radius, factor in ((130, 1.3), (90, 1.6), (45, 1.3)):
        pen.oval((400 - radius, 445 - radius, 400 + radius, 445 + radius), outline=shade(c, factor), width=14)


def tote(pen, c, market=False):
    handle = shade(c, 0.7)
    if market:
        pen.arc((250, 180, 550, 480), 200, 340, fill=handle, width=22)
    else:
        pen.arc((280, 200, 420, 420), 180, 360, fill=handle, width=18)
        pen.arc((380, 200, 520, 420), 180, 360, fill=handle, width=18)
    pen.shape(((230, 320), (570, 320), (600, 610), (200, 610)), fill=c)
    pen.box((230, 320, 570, 350), fill=shade(c, 0.85))
    if market:
        pen.box((420, 430, 520, 520), fill=shade(c, 0.85), radius=10)


def backpack(pen, c):
    pen.arc((350, 170, 450, 270), 180, 360, fill=shade(c, 0.6), width=16)
    pen.box((260, 220, 540, 610), fill=c, radius=80)
    pen.box((260, 220, 540, 380), fill=shade(c, 0.8), radius=80)
    pen.box((320, 440, 480, 570), fill=shade(c, 0.85), radius=20)
    pen.box((380, 360, 420, 400), fill=(190, 170, 120), radius=6)


def rings(pen, colours):
    for n, c in enumerate(colours):
        x, y = 210 + n * 130, 420 + (n % 2) * 50
        pen.oval((x, y, x + 180, y + 150), outline=c, width=46)
        pen.oval((x + 10, y + 10, x + 170, y + 140), outline=shade(c, 1.2), width=8)


def bracelet(pen, c):
    other = COLOURS["white"] if c != COLOURS["white"] else COLOURS["blue"]
    for n in range(18):
        angle = 2 * math.pi * n / 18
        x, y = 400 + 170 * math.cos(angle), 470 + 110 * math.sin(angle)
        pen.oval((x - 26, y - 26, x + 26, y + 26), fill=c if n % 2 else other, outline=shade(c, 0.7), width=2)


def key_fob(pen, c):
    pen.oval((360, 190, 440, 270), outline=(160, 160, 164), width=10)
    pen.box((350, 250, 450, 600), fill=c, radius=50)
    pen.oval((385, 270, 415, 300), fill=(190, 170, 120))
    pen.line(((372, 330), (372, 560)), fill=shade(c, 1.3), width=3)
    pen.line(((428, 330), (428, 560)), fill=shade(c, 1.3), width=3)


def scarf(pen, c):
    pen.shape(((240, 200), (400, 200), (380, 600), (280, 600)), fill=c)
    pen.shape(((400, 200), (560, 200), (520, 520), (420, 520)), fill=shade(c, 0.85))
    for x in range(284, 380, 14):
        pen.line(((x, 600), (x, 640)), fill=shade(c, 0.75), width=4)
    for y in range(240, 580, 60):
        pen.line(((250, y), (390, y)), fill=shade(c, 1.15), width=4)


def notebook(pen, c):
    pen.box((262, 232, 562, 602), fill=(240, 236, 226), radius=10)
    pen.box((250, 220, 550, 590), fill=c, radius=10)
    pen.box((250, 220, 290, 590), fill=shade(c, 0.8), radius=10)
    pen.box((340, 290, 500, 350), fill=shade(c, 1.5), radius=6)
    pen.line(((500, 220), (500, 590)), fill=shade(c, 0.6), width=8)


def bookmark(pen, c):
    pen.box((360, 170, 440, 590), fill=c, radius=10)
    pen.oval((388, 196, 412, 220), fill=shade(c, 1.6))
    pen.line(((400, 208), (430, 330), (420, 430)), fill=(176, 40, 36), width=6)
    pen.shape(((360, 470), (440, 470), (400, 430)), fill=shade(c, 0.8))


def diffuser(pen, c):
    for dx in (-90, -45, 0, 45, 90):
        pen.line(((400, 380), (400 + dx * 1.6, 150 + abs(dx))), fill=(150, 110, 70), width=6)
    pen.oval((300, 400, 500, 610), fill=c)
    pen.box((360, 350, 440, 430), fill=c)
    pen.oval((350, 340, 450, 366), fill=shade(c, 0.8))


def brush_rest(pen, c):
    pen.shape(((220, 600), (580, 600), (560, 520), (500, 420), (450, 500), (400, 360), (350, 500), (300, 420),
               (240, 520)), fill=c)
    pen.line(((170, 430), (640, 410)), fill=(120, 80, 40), width=12)   # a brush resting on it
    pen.shape(((640, 404), (700, 412), (640, 420)), fill=(40, 40, 40))


def lunch_box(pen, c):
    pen.box((230, 440, 570, 600), fill=c, radius=24)
    pen.box((230, 330, 570, 450), fill=shade(c, 1.15), radius=24)
    pen.box((220, 300, 580, 350), fill=shade(c, 0.85), radius=20)
    pen.box((380, 290, 420, 610), fill=shade(c, 0.6))   # the strap


def coasters(pen, c):
    for x, y in ((180, 520), (300, 470), (420, 520), (520, 440)):
        pen.oval((x, y, x + 140, y + 90), fill=(246, 246, 242), outline=(200, 196, 190), width=3)
        pen.arc((x + 25, y + 15, x + 115, y + 75), 200, 340, fill=c if c != COLOURS["white"] else COBALT, width=6)
        pen.arc((x + 40, y + 30, x + 100, y + 70), 200, 340, fill=COBALT, width=4)


def apron(pen, c):
    pen.arc((320, 120, 480, 300), 180, 360, fill=shade(c, 0.7), width=12)
    pen.shape(((320, 210), (480, 210), (490, 330), (560, 360), (540, 610), (260, 610), (240, 360), (310, 330)),
              fill=c)
    pen.line(((240, 360), (170, 420)), fill=shade(c, 0.7), width=10)
    pen.line(((560, 360), (630, 420)), fill=shade(c, 0.7), width=10)
    pen.box((290, 450, 390, 560), fill=shade(c, 0.85), radius=8)
    pen.box((410, 450, 510, 560), fill=shade(c, 0.85), radius=8)


def tea_tray(pen, c):
    wood = COLOURS["bamboo"]
    pen.shape(((170, 600), (630, 600), (580, 470), (220, 470)), fill=wood)
    for n in range(1, 9):
        x0, x1 = 170 + n * 51, 220 + n * 40
        pen.line(((x0, 598), (x1, 472)), fill=shade(wood, 0.75), width=4)
    small_cup(pen, 360, 480, COLOURS["porcelain"], 80)


DRAWINGS = {
    "bottle": bottle, "mug": mug, "glass_cup": glass_cup, "teapot": teapot, "tea_set": tea_set,
    "travel_tea_set": travel_tea_set, "gaiwan": gaiwan, "rice_bowl": rice_bowl, "plate": plate, "vase": vase,
    "pitcher": pitcher, "tea_tin": tea_tin, "tea_cake": tea_cake, "cutting_board": cutting_board,
    "chopsticks": chopsticks, "towels": folded_textile, "table_runner": table_runner, "throw": throw,
    "cushion": cushion, "tote": tote, "market_bag": lambda pen, c: tote(pen, c, market=True), "backpack": backpack,
    "scrunchies": lambda pen, c: rings(pen, [c, shade(c, 0.8), shade(c, 1.3)]), "bracelet": bracelet,
    "key_fob": key_fob, "scarf": scarf, "notebook": notebook, "bookmark": bookmark, "diffuser": diffuser,
    "brush_rest": brush_rest, "lunch_box": lunch_box, "coasters": coasters, "apron": apron, "tea_tray": tea_tray,
}


def draw_product(kind: str, colour_name: str | None, background_hue: float) -> bytes:
    """A PNG of `kind` (a key of DRAWINGS) in the colour named, e.g. ("teapot", "Moss")."""
    canvas = SIZE * SUPERSAMPLE

    def hsv(s, v):
        return tuple(int(255 * part) for part in colorsys.hsv_to_rgb(background_hue % 1, s, v))

    image = Image.new("RGB", (canvas, canvas), hsv(0.10, 0.97))
    pen = Pen(ImageDraw.Draw(image), SUPERSAMPLE)
    pen.box((0, 600, SIZE, SIZE), fill=hsv(0.16, 0.88))
    pen.oval((190, 585, 610, 635), fill=hsv(0.22, 0.78))  # the object's shadow on the table
    DRAWINGS[kind](pen, colour_of(colour_name))
    image = image.reduce(SUPERSAMPLE)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)  # stored images are re-encoded anyway: save time here
    return buffer.getvalue()
