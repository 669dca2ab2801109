"""The explorer in a real browser: Voila serves nbs/explorer.ipynb, headless Debian Chromium (driven by Playwright) uses it.

A tiny benchmark and a small top-down grid captioner (trained a few epochs here) stand in for the trained models.
The camera is Chromium's fake device. Set LATENTXAI_EXPLORER_SCREENSHOT=path to keep the page's screenshot (the README's)."""
import io, os, shutil, socket, subprocess, sys, time, urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latentxai.testing import tiny_benchmark, tiny_encoder, trained_captioners

CHROMIUM = '/usr/bin/chromium'
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']
playwright = pytest.importorskip('playwright.sync_api')
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f'no Chromium at {CHROMIUM} (Debian package chromium; `make install` adds it)')

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

@pytest.fixture(scope='module')
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('explorer')
    root = tiny_benchmark(tmp/'bench', n_train=60, n_val=4, n_test=6)
    models = tmp/'models'
    trained_captioners(root, models, ['topdown_grid'], tiny_encoder(image_size=128), epochs=4, options=['--lr', '5e-3'])
    port = _free_port()
    log = open(tmp/'voila.log', 'w')
    proc = subprocess.Popen([sys.executable, '-c', 'from latentxai.explorer import main; main()', '--port', str(port),
                             '-p', 'data_dir', str(root), '-p', 'n_train', '60', '-p', 'n_val', '4', '-p', 'n_test', '6',
                             '-p', 'models_dir', str(models), '-p', 'n_images', '6'],
                            stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[1])
    url = f'http://127.0.0.1:{port}/'
    for _ in range(120):
        try:
            urllib.request.urlopen(url, timeout=60).close()
            break
        except OSError: time.sleep(0.5)
    else: raise RuntimeError(f'voila did not answer at {url}; its log: {(tmp/"voila.log").read_text()[-3000:]}')
    yield url, tmp
    proc.terminate(); proc.wait(30); log.close()

@pytest.fixture(scope='module')
def page(server):
    url, _ = server
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pg = browser.new_page(viewport={'width': 1100, 'height': 820})
        pg.goto(url, timeout=180_000)
        pg.wait_for_selector('.lx-app', timeout=180_000)
        yield pg
        browser.close()

def _settled(page):
    "Wait until the page's Python side has answered (the status line leaves 'working')."
    page.wait_for_function("!document.querySelector('.lx-status').innerText.includes('working')", timeout=120_000)

def _answered(page, action):
    "Do `action`, then wait until the page has answered it: a new heatmap, or an error in the status line."
    old = page.evaluate("document.querySelectorAll('.lx-error').forEach(e => e.dataset.seen = '1'), document.querySelector('.lx-heatmap').src")
    action()
    page.wait_for_function("([old]) => document.querySelector('.lx-heatmap').src !== old || document.querySelector('.lx-error:not([data-seen])') !== null",
                           arg=[old], timeout=120_000)  # (an error already on the page does not count)
    _settled(page)

def _caption(page) -> list[str]:
    return [b.inner_text() for b in page.query_selector_all('.lx-word')]

def _heatmap(page) -> bytes:
    return page.locator('.lx-heatmap').screenshot()

def _png(tmp, name, size=(200, 150), seed=0) -> Path:
    path = tmp/name
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (*size[::-1], 3), dtype=np.uint8)).save(path)
    return path

def _upload(page, path):
    "Choose a file in the upload button's file dialog, as a user does."
    with page.expect_file_chooser() as chooser: page.click('.lx-upload')
    chooser.value.set_files(str(path))

def _tab(page, title):
    page.get_by_role('tab', name=title).click()

def test_a_test_image_gives_a_caption_and_words_change_the_heatmap(page, server):
    _tab(page, 'test image')
    page.click('.lx-test')
    page.wait_for_selector('.lx-word, .lx-error', timeout=120_000)
    _settled(page)
    assert page.inner_text('.lx-status').strip() == '', page.inner_text('.lx-status')
    words = _caption(page)
    assert len(words) >= 2, words
    assert page.inner_text('.lx-status').strip() == ''
    first = _heatmap(page)
    _answered(page, lambda: page.locator('.lx-word').nth(len(words) - 1).click())
    assert 'mod-info' in page.locator('.lx-word').nth(len(words) - 1).get_attribute('class')  # the chosen word is marked
    last = _heatmap(page)
    assert first != last, 'clicking another word did not change the heatmap'
    assert '\u2192' in page.inner_text('.lx-words')  # the earlier words, coloured, then the word
    shot = os.environ.get('LATENTXAI_EXPLORER_SCREENSHOT')
    if shot: page.screenshot(path=shot, full_page=True)

def test_an_upload_gives_a_caption(page, server):
    _, tmp = server
    _tab(page, 'upload')
    before = _heatmap(page)
    _answered(page, lambda: _upload(page, _png(tmp, 'photo.png', (300, 180), seed=3)))
    assert page.inner_text('.lx-status').strip() == '', page.inner_text('.lx-status')
    assert _caption(page) and _heatmap(page) != before

def test_a_non_image_upload_shows_an_error_and_the_page_keeps_working(page, server):
    _, tmp = server
    _tab(page, 'upload')
    bad = tmp/'notes.txt'
    bad.write_text('these are notes, not a picture')
    _upload(page, bad)
    page.wait_for_selector('.lx-error', timeout=60_000)
    assert 'not an image' in page.inner_text('.lx-status')
    assert len(_caption(page)) >= 2, _caption(page)  # the caption of the last good image stays
    _answered(page, lambda: page.locator('.lx-word').nth(1).click())  # another word: a new heatmap, and the error is gone
    assert page.inner_text('.lx-status').strip() == ''

def test_a_fake_camera_frame_gives_a_caption(page, server):
    _tab(page, 'webcam')
    page.click('.lx-cam-start')
    page.wait_for_function("document.querySelector('.lx-cam-note').innerText === 'camera on'", timeout=60_000)
    page.wait_for_function("document.querySelector('video').videoWidth > 0", timeout=60_000)
    before = _heatmap(page)
    _answered(page, lambda: page.click('.lx-cam-shoot'))
    assert page.inner_text('.lx-status').strip() == '', page.inner_text('.lx-status')
    assert _caption(page) and _heatmap(page) != before
