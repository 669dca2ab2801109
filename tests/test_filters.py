"COCO instance masks cross-checked against pycocotools, the reference implementation of COCO's mask formats."
import numpy as np
import pytest

from latentxai.data import Instance, polygon_mask, rle_counts, rle_encode, rle_mask

mask_api = pytest.importorskip('pycocotools.mask')

def test_compressed_rle_decodes_as_pycocotools():
    "Random masks encoded by pycocotools (compressed strings) decode to the same masks; our uncompressed encoding decodes the same way."
    rng = np.random.default_rng(0)
    for h, w in ((7, 5), (32, 32), (40, 64)):
        for p in (0.05, 0.5, 0.95):
            m = rng.random((h, w)) < p
            rle = mask_api.encode(np.asfortranarray(m.astype(np.uint8)))
            np.testing.assert_array_equal(rle_mask(rle['counts'].decode(), h, w), m)
            ours = rle_encode(m)
            assert rle_counts(mask_api.frPyObjects(ours, h, w)['counts'].decode()) == ours['counts']  # pycocotools compresses our counts; we read them back
            back = mask_api.decode(mask_api.frPyObjects(ours, h, w)).astype(bool)
            np.testing.assert_array_equal(back, m)

def test_polygon_masks_agree_with_pycocotools():
    "Polygons rasterised by pixel centres against pycocotools' rasteriser: the same pixels up to the boundary (IoU above 0.9)."
    rng = np.random.default_rng(1)
    for _ in range(5):
        centre, r = rng.uniform(20, 44, 2), rng.uniform(8, 18)
        angles = np.sort(rng.uniform(0, 2 * np.pi, 9))
        poly = np.stack([centre[0] + r * np.cos(angles), centre[1] + r * np.sin(angles)], 1).ravel().tolist()
        ours = polygon_mask([poly], 64, 64)
        ref = mask_api.decode(mask_api.merge(mask_api.frPyObjects([poly], 64, 64))).astype(bool)
        assert (ours & ref).sum() / (ours | ref).sum() > 0.9
        inst = Instance('thing', [0, 0, 1, 1], [poly], 64, 64)
        np.testing.assert_array_equal(inst.mask(64), ours)
