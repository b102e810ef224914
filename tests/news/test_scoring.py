from news.scoring import VADER, headline_sentiment


def test_vader_scores_headlines_in_minus_one_to_one_with_their_sign():
    assert headline_sentiment("Bitcoin plunges as exchange collapse rattles crypto markets") < -0.2
    assert headline_sentiment("Apple wins praise for record iPhone sales") > 0.2
    assert headline_sentiment("Fed holds rates") == 0.0
    assert VADER == "vader-3.3.2"
