"The layout shows the architecture: modules import each other without cycles, at the top, and the project stands alone."
import ast, json, re
from pathlib import Path

import latentxai

PACKAGE = Path(latentxai.__file__).parent
ROOT = PACKAGE.parent
MODULES = sorted(p.stem for p in PACKAGE.glob('*.py') if not p.stem.startswith('_'))

def imports(module):
    "The latentxai modules `module` imports: (name, imported at the top level)."
    tree = ast.parse((PACKAGE/f'{module}.py').read_text())
    top = set(map(id, tree.body))
    out = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and (node.module.startswith('latentxai') or node.level):
            names = [(node.module or '').removeprefix('latentxai').lstrip('.')] if node.module != 'latentxai' else [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name.removeprefix('latentxai.') for a in node.names if a.name.startswith('latentxai.')]
        out += [(n.split('.')[0], id(node) in top) for n in names if n]
    return out

def test_no_import_cycles_and_no_hidden_imports():
    graph = {m: {n for n, _ in imports(m)} for m in MODULES}
    hidden = {m: [n for n, at_top in imports(m) if not at_top] for m in MODULES}
    assert not any(hidden.values()), f'latentxai modules imported inside functions: {hidden}'
    state = {}
    def visit(m, path):
        if state.get(m) == 'done': return
        assert state.get(m) != 'open', f"import cycle: {' -> '.join(path + [m])}"
        state[m] = 'open'
        for n in graph[m]: visit(n, path + [m])
        state[m] = 'done'
    for m in MODULES: visit(m, [])

def test_data_does_not_depend_on_the_benchmark():
    assert 'scenes' not in {n for n, _ in imports('data')} and 'data' in {n for n, _ in imports('scenes')}

def test_one_metric_registry_and_one_line_summaries():
    defines = [m for m in MODULES if re.search(r'^METRICS\s*[:=]', (PACKAGE/f'{m}.py').read_text(), re.M)]
    assert defines == ['localisation'], defines
    for nb in sorted((ROOT/'nbs').glob('[0-9]*.ipynb')):
        first = ''.join(json.loads(nb.read_text())['cells'][0]['source']).splitlines()
        summary = [i for i, l in enumerate(first) if l.startswith('>')]
        assert len(summary) == 1, f'{nb.name}: the summary under the title must be one line (nbdev exports only the first)'

def test_the_project_stands_on_its_own():
    texts = {p.name: p.read_text() for p in [*(ROOT/'nbs').glob('*.ipynb'), ROOT/'README.md']}
    for name, text in texts.items():
        for outside in ('DESIGN', '../shared', 'seed repositor', "the seed's"):
            assert outside not in text, f'{name} refers to {outside!r}, outside the repository'
