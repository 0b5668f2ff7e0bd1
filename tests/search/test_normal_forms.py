"""The normal forms written into the index and read from queries."""
import subprocess
import sys

from blueprints.search.normal_forms import alternatives, cut_into_known_words, document_forms, query_pieces


def test_a_documents_titles_get_stems_joined_words_pinyin_and_initials():
    title_forms, other_forms, words = document_forms(["西湖龙井茶", "Cast-iron battery"], ["Holds 500 ml."])
    forms = title_forms.split()
    assert {"castiron", "batteri", "xihulongjingcha", "longjingcha", "xhljc", "ljc"} <= set(forms)
    assert "teapot" not in forms and "cast" not in forms  # a stem already inside its word is not repeated
    assert other_forms == "500ml"
    assert {"西湖", "龙井茶", "cast", "iron", "battery"} <= words


def test_queries_split_where_a_shopper_might_have_put_a_space_and_match_by_their_stems():
    assert query_pieces("cast-iron") == ["cast", "iron"]
    assert query_pieces("保温杯500ml") == ["保温杯", "500ml"]
    assert alternatives("teapots") == ["teapot"]
    assert alternatives("battery") == ["batteri", "battery"]
    assert alternatives("longjing") == ["longj"]
    assert cut_into_known_words("不锈钢保温杯", {"不锈钢", "保温杯", "保温"}) == ["不锈钢", "保温杯"]
    assert cut_into_known_words("白色保温杯", {"保温杯"}) == ["白色", "保温杯"]  # unknown characters stay together


def test_starting_the_app_and_reading_a_query_load_neither_jieba_nor_pypinyin():
    """Each takes 50-80 MB per worker; only indexing a document or making a slug loads them."""
    script = ("import sys\n"
              "from blueprints.search.normal_forms import alternatives, query_pieces\n"
              "from blueprints.search import services, views\n"
              "alternatives('longjing'), query_pieces('保温杯500ml')\n"
              "print(sorted(name for name in ('jieba', 'pypinyin') if name in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
