"""bench/recommendations.py still runs, and the recommender still beats the popularity baseline on a small community."""
import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "recommendations.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_recommendations", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bench_beats_the_baseline_on_a_small_community(capsys):
    assert load_bench().main(["--users", "300", "--items", "80"]) == 0
    assert "hit rate@10" in capsys.readouterr().out


def test_the_generated_data_is_the_same_for_the_same_seed():
    bench = load_bench()
    first, second = bench.generate(50, 30, seed=3), bench.generate(50, 30, seed=3)
    assert first.interactions == second.interactions and first.keywords == second.keywords
    train, held_out = bench.split(first)
    assert held_out and len(train) + len(held_out) == len(first.interactions)
    assert all(item not in {i.item for _at, i in train if i.user_id == user} for user, item in held_out.items())
