"""Small synthetic corpora for the golden fixtures, written from scratch here
(no public data is copied). Each function returns (documents, queries); queries
are unseen texts for `transform`.

- faq: 100 English FAQ-like documents, plain ASCII, with planted document
  frequencies for the df rounding traps (§2.7: 0.07*100, 0.29*100).
- unicode: hand-written hard cases (accents NFC/NFD, combining marks, CJK, Thai,
  Arabic/Devanagari digits, Hebrew niqqud, emoji, superscripts, U+001C-U+001F, ...).
- faq_small: the first 20 (hand-written) faq documents.
- mixed: 60 seeded random documents mixing scripts.
- stop_only: only stop words, blanks and empty documents (EmptyVocabulary).
"""

from __future__ import annotations

import random
import unicodedata

# ---------------------------------------------------------------------------
# faq

_FAQ_HANDWRITTEN = [
    "How do I reset my password? Click 'Forgot password' on the sign-in page and follow the email link.",
    "Why can't I log in to my account? Check that Caps Lock is off and that your email address is correct.",
    "How do I change the email address on my account? Open Settings, then Profile, and edit the address.",
    "Can I delete my account? Yes. Go to Settings > Privacy > Delete account. This can't be undone.",
    "What payment methods do you accept? We accept Visa, MasterCard, PayPal and bank transfer.",
    "Is my credit card information stored securely? Card numbers are tokenised by our payment provider.",
    "How long does delivery take? Standard delivery takes 3-5 business days; express takes 1-2 days.",
    "Do you ship internationally? We ship to 42 countries. Duties are paid by the recipient.",
    "How can I track my order? Use the tracking number in your confirmation email.",
    "What's your return policy? Items can be returned within 30 days if they're unused.",
    "",
    "Can I change my order after it's placed? Orders can be changed within one hour of checkout.",
    "Do you offer student discounts? Students get 10% off with a valid university email address.",
    "Why was my payment declined? Your bank may have blocked the transaction; contact them first.",
    "How do I contact customer support? Email support or use the live chat, 9am-5pm Monday to Friday.",
    "Is there a mobile app? Yes, for iOS and Android. Search for it in your app store.",
    "HOW DO I UNSUBSCRIBE FROM THE NEWSLETTER? Click Unsubscribe at the bottom of any newsletter.",
    "Does the app work offline? Saved items and downloaded files are available offline.",
    "What does error code E404 mean? The page or item you requested does not exist any more.",
    "   ",
]

_FAQ_SUBJECTS = [
    "account", "order", "subscription", "invoice", "profile", "device", "parcel",
    "voucher", "gift card", "newsletter", "wishlist", "basket", "address book",
]
_FAQ_VERBS = [
    "update", "cancel", "renew", "verify", "transfer", "merge", "download",
    "print", "share", "restore", "export", "activate", "pause",
]
_FAQ_DETAILS = [
    "from the website", "in the mobile app", "without logging in", "after checkout",
    "on a shared computer", "for a family member", "before it expires",
    "while travelling abroad", "using a screen reader", "with two-factor authentication",
]
_FAQ_ANSWERS = [
    "Open the menu and choose the option you need.",
    "You will receive a confirmation email within minutes.",
    "This feature is available to premium members only.",
    "Our support team can do it for you if you contact them.",
    "It usually takes less than a day to process the request.",
    "Make sure you're using the latest version of the app.",
    "You can't do this online; please call us instead.",
    "Settings are saved automatically on every device.",
    "The change applies from the next billing cycle.",
    "We'll notify you by SMS and email when it's done.",
]


def faq_corpus() -> tuple[list[str], list[str]]:
    rng = random.Random(1001)
    docs = list(_FAQ_HANDWRITTEN)
    while len(docs) < 100:
        subject = rng.choice(_FAQ_SUBJECTS)
        verb = rng.choice(_FAQ_VERBS)
        detail = rng.choice(_FAQ_DETAILS)
        answer = " ".join(rng.sample(_FAQ_ANSWERS, rng.randint(1, 2)))
        docs.append(f"How do I {verb} my {subject} {detail}? {answer}")
    # Planted document frequencies for the rounding traps: exactly 7 and 29 docs.
    for i in rng.sample(range(100), 7):
        docs[i] = (docs[i] + " Warranty claims are handled separately.").strip()
    for i in rng.sample(range(100), 29):
        docs[i] = (docs[i] + " Loyalty points never expire.").strip()
    queries = [
        "how do I reset my password",
        "zebra crossing delivery",  # 'zebra' and 'crossing' are unseen
        "",
        "Refund for a DAMAGED parcel?",
        "can't log in after the update",
        "warranty warranty warranty",
        "completely unseen vocabulary here",
        "loyalty points expire?",
    ]
    return docs, queries


# ---------------------------------------------------------------------------
# unicode

_LONG_TOKEN = ("abcdefghijklmnopqrstuvwxyz" * 200)[:5000]


def unicode_corpus() -> tuple[list[str], list[str]]:
    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    nfc = lambda s: unicodedata.normalize("NFC", s)  # noqa: E731
    docs = [
        nfc("Café crème brûlée à la carte, naïve résumé façade"),
        nfd("Café crème brûlée à la carte, naïve résumé façade"),
        "cafe\u0301 nai\u0308ve Ångström A\u030angstro\u0308m",
        "e\u0301\u0323 a\u0300\u0316 o\u0302\u0303 Z\u0336a\u0337l\u0338g\u0335o text",
        "東京都の天気は晴れです。北京大学 漢字かな交じり文 東京 北京",
        "한국어 텍스트 처리 한국어",
        "ภาษาไทยไม่มีช่องว่าง สวัสดีครับ ภาษาไทย",
        "الأرقام ٠١٢٣٤٥٦٧٨٩ مُحَمَّد كتاب الكتاب",
        "अंक ०१२३४५६७८९ हिन्दी भाषा नमस्ते क्षत्रिय",
        "בְּרֵאשִׁית בָּרָא אֱלֹהִים שָׁלוֹם שלום",
        "snake_case __init__ _private foo_bar_baz __ _ a_b",
        "don't it's rock'n'roll O'Neill l\u2019\u00e9t\u00e9 \u02bcokina can\u2019t",
        "I \u2764\ufe0f pizza \U0001f355\U0001f355 \U0001f44d\U0001f3fd \U0001f44d\U0001f3ff "
        "1\ufe0f\u20e32\ufe0f\u20e33\ufe0f\u20e3 #\ufe0f\u20e3 "
        "\U0001f468\u200d\U0001f469\u200d\U0001f467 \U0001f1eb\U0001f1f7 flags",
        "x² + y² = z² area km² h₂o met¹⁴⁹ ¹²³ ½ ¾ ⅓ cm³",
        "① ② ③ ⑩ ㉑㉒ ⓐⓑⓒ \U0001f150\U0001f151 ⒈⒉ circled",
        "file\x1cgroup\x1drecord\x1eunit\x1fsep alpha\x1c\x1cbeta",
        "tab\tseparated\twords non\u00a0breaking\u00a0space  double  spaces\t\tand\u3000ideographic",
        "before " + _LONG_TOKEN + " after",
        "",
        "the and of a an",
        "   \t  ",
        "İstanbul IĞDIR ıstanbul Iğdır",
        "ΟΔΟΣ ΣΑΣ Σ ὀδός Ἀθῆναι",
        "\u212a kelvin \u1e9e STRA\u1e9eE straße ℌello ™ \U0001f130bc ᴬᴮ",
        "ﬁnance ﬂow Ａｂｃ ＡＢＣ １２３",
        "foo‿bar full＿width x⁔y می\u200cخواهم a\u200db",
        "a\ufe0eb \u2714\ufe0f checked",
        "Привет мир ПРИВЕТ Ёлка ёлка",
        "straße STRASSE łódź Øresund æther",
        "3.14 1,000 2024-01-01 v2 x86_64 ２０２４",
        "line one\nline two\r\nline three\rline four",
        "alpha beta gamma alpha",
        "Alpha BETA delta",
        "gamma delta epsilon café",
        "ｆｕｌｌ ｗｉｄｔｈ café CAFÉ",
    ]
    queries = [
        "café naïve",
        "cafe\u0301",
        "東京 北京",
        "x² km²",
        "",
        "unseen words entirely",
        "ΟΔΟΣ σας",
        "①② ⓐⓑ",
        "file\x1cgroup",
        "alpha\u00a0beta\tgamma",
        _LONG_TOKEN,
    ]
    return docs, queries


# ---------------------------------------------------------------------------
# mixed

_MIXED_POOLS = {
    "ascii": [
        "search", "engine", "index", "query", "vector", "sparse", "dense", "ranking",
        "document", "token", "the", "and", "of", "model", "score", "fusion", "cache",
    ],
    "latin": ["café", "naïve", "résumé", "über", "straße", "façade", "jalapeño", "coördinate"],
    "greek": ["λόγος", "ἀρχή", "ΣΟΦΙΑ", "σοφία", "κόσμος"],
    "cyrillic": ["поиск", "индекс", "ДОКУМЕНТ", "запрос", "вектор"],
    "cjk": ["検索", "索引", "文書", "向量", "東京都"],
    "arabic": ["بحث", "فهرس", "وثيقة", "٣٤٥"],
    "devanagari": ["खोज", "सूचकांक", "दस्तावेज़", "१२३"],
    "digits": ["42", "2026", "x²", "m³", "3.5", "½"],
    "emoji": ["🔍", "📄", "👍🏽", "🚀🚀"],
}
_MIXED_SEPARATORS = [" ", " ", " ", "  ", "\t", "\u00a0", ", ", ". ", "\n", "\x1e"]


def mixed_corpus() -> tuple[list[str], list[str]]:
    rng = random.Random(2026)
    pools = list(_MIXED_POOLS)
    weights = [8, 2, 1, 1, 1, 1, 1, 1, 1]

    def doc(n_words: int) -> str:
        parts = []
        for _ in range(n_words):
            word = rng.choice(_MIXED_POOLS[rng.choices(pools, weights)[0]])
            if rng.random() < 0.15:
                word = unicodedata.normalize("NFD", word)
            if rng.random() < 0.1:
                word = word.upper()
            parts.append(word)
            parts.append(rng.choice(_MIXED_SEPARATORS))
        return "".join(parts).strip(" ")

    docs = []
    for i in range(60):
        if i % 23 == 5:
            docs.append("")
        elif i % 31 == 7:
            docs.append("the and of")
        else:
            docs.append(doc(rng.randint(2, 18)))
    queries = [doc(rng.randint(1, 10)) for _ in range(8)] + ["", "nothing known here"]
    return docs, queries


def faq_small_corpus() -> tuple[list[str], list[str]]:
    """The 20 hand-written FAQ documents: keeps char n-gram fixtures small."""
    docs, queries = faq_corpus()
    return docs[:20], queries


# ---------------------------------------------------------------------------
# stop_only


def stop_only_corpus() -> tuple[list[str], list[str]]:
    docs = ["the and of", "", "a an the", "is it", "   ", "THE AND"]
    return docs, ["the", "and also"]


CORPORA = {
    "faq": faq_corpus,
    "faq_small": faq_small_corpus,
    "unicode": unicode_corpus,
    "mixed": mixed_corpus,
    "stop_only": stop_only_corpus,
}
