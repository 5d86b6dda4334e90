#!/usr/bin/env python3
# make_icons.py: draws the default app icons (conf/icons) and makes test PNGs; python3 + zlib only.
"""Usage:
  make_icons.py defaults DIR            write DIR/color.png (192x192 RGB) and DIR/outline.png
                                        (32x32 RGBA, white on transparent): the shipped icons
  make_icons.py solid OUT W H KIND      a plain W x H test image; KIND is rgb, rgba, grey,
                                        grey-alpha, palette, palette-trns or rgb-trns
  make_icons.py info FILE               print "WIDTH HEIGHT COLOUR-TYPE BIT-DEPTH" from IHDR

The output is deterministic, so regenerating the shipped icons changes nothing unless the
drawing below changes.
"""
import struct
import sys
import zlib

ACCENT = (0x4F, 0x6B, 0xED)	# the default accent_color
SUPERSAMPLE = 4			# samples per pixel side, for smooth edges


def chunk(kind, data):
	body = kind + data
	return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png(width, height, color_type, rows, extra_chunks=()):
	"""rows: one bytes object per scanline, already in the colour type's layout, 8 bits."""
	ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
	raw = b"".join(b"\0" + r for r in rows)	# filter type 0 (None) on every line
	out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
	for kind, data in extra_chunks:
		out += chunk(kind, data)
	return out + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def in_circle(x, y, cx, cy, r):
	return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def in_bell(x, y):
	"""The bell in a unit box (y down): knob, dome, flared body, rim and clapper."""
	if in_circle(x, y, 0.5, 0.205, 0.035):
		return True
	if 0.21 <= y <= 0.40 and in_circle(x, y, 0.5, 0.40, 0.19):
		return True
	if 0.40 < y <= 0.64:
		t = (y - 0.40) / 0.24
		return abs(x - 0.5) <= 0.19 + (0.27 - 0.19) * t * t
	# The rim: a capsule a little wider than the body's mouth.
	if 0.63 <= y <= 0.69:
		dx = max(abs(x - 0.5) - 0.27, 0.0)
		return dx * dx + (y - 0.66) ** 2 <= 0.03 ** 2
	return in_circle(x, y, 0.5, 0.77, 0.05)


def coverage(px, py, size, scale):
	"""Fraction of pixel (px, py) the bell covers, the bell scaled about the centre."""
	hits = 0
	for sy in range(SUPERSAMPLE):
		for sx in range(SUPERSAMPLE):
			x = (px + (sx + 0.5) / SUPERSAMPLE) / size
			y = (py + (sy + 0.5) / SUPERSAMPLE) / size
			# Centre the bell's visual middle (0.49) on the icon's middle.
			if in_bell((x - 0.5) / scale + 0.5, (y - 0.5) / scale + 0.49):
				hits += 1
	return hits / (SUPERSAMPLE * SUPERSAMPLE)


def color_icon():
	"""192x192: the accent colour, the white bell in the central 96x96 Teams keeps uncropped."""
	size, scale = 192, 0.5 / 0.64
	rows = []
	for py in range(size):
		row = bytearray()
		for px in range(size):
			a = coverage(px, py, size, scale)
			row += bytes(round(c + (255 - c) * a) for c in ACCENT)
		rows.append(bytes(row))
	return png(size, size, 2, rows)


def outline_icon():
	"""32x32: white everywhere, the bell's coverage as alpha, about 2 pixels of margin."""
	size, scale = 32, (28 / 32) / 0.64
	rows = []
	for py in range(size):
		row = bytearray()
		for px in range(size):
			row += bytes((255, 255, 255, round(255 * coverage(px, py, size, scale))))
		rows.append(bytes(row))
	return png(size, size, 6, rows)


def solid(width, height, kind):
	layouts = {
		"rgb": (2, bytes((0x4F, 0x6B, 0xED)), ()),
		"rgb-trns": (2, bytes((0x4F, 0x6B, 0xED)), ((b"tRNS", struct.pack(">HHH", 0, 0, 0)),)),
		"rgba": (6, bytes((255, 255, 255, 128)), ()),
		"grey": (0, bytes((200,)), ()),
		"grey-alpha": (4, bytes((255, 128)), ()),
		"palette": (3, bytes((0,)), ((b"PLTE", bytes((255, 255, 255, 0, 0, 0))),)),
		"palette-trns": (3, bytes((1,)), ((b"PLTE", bytes((255, 255, 255, 0, 0, 0))),
		    (b"tRNS", bytes((255, 0))))),
	}
	if kind not in layouts:
		sys.exit("make_icons.py: unknown kind %r (one of %s)" % (kind, ", ".join(layouts)))
	color_type, pixel, extra = layouts[kind]
	return png(width, height, color_type, [pixel * width] * height, extra)


def info(path):
	with open(path, "rb") as f:
		head = f.read(33)
	if len(head) < 33 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
		sys.exit("make_icons.py: %s: not a PNG" % path)
	width, height, depth, color_type = struct.unpack(">IIBB", head[16:26])
	print(width, height, color_type, depth)


def main(argv):
	if len(argv) == 3 and argv[1] == "defaults":
		with open(argv[2] + "/color.png", "wb") as f:
			f.write(color_icon())
		with open(argv[2] + "/outline.png", "wb") as f:
			f.write(outline_icon())
	elif len(argv) == 6 and argv[1] == "solid":
		with open(argv[2], "wb") as f:
			f.write(solid(int(argv[3]), int(argv[4]), argv[5]))
	elif len(argv) == 3 and argv[1] == "info":
		info(argv[2])
	else:
		sys.exit(__doc__)


if __name__ == "__main__":
	main(sys.argv)
