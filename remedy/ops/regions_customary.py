"""Customary English names of places whose name comes from a minority language (Mongolian, Tibetan, Uyghur, Kazakh,
Kyrgyz, Manchu …), where English does not use the pinyin of the Chinese transcription: 乌鲁木齐 is Urumqi, not
Wulumuqi. Keyed by province (the code's first two digits, so 兴安盟 is Hinggan but 桂林's 兴安县 stays Xing'an) and
by the name without its kind of division (盟, 旗, 县, 市 …), as ``regions_english`` cuts it; an autonomous
division's name without its peoples. The English is the place's own name as the Chinese government's romanisation
of minority names (and English references after it) write it; the kind of division is added as for any other name.
Only names whose customary form is settled are here; the rest stay in pinyin."""
from __future__ import annotations

CUSTOMARY: dict[str, dict[str, str]] = {
    "15": {   # Inner Mongolia
        "呼和浩特": "Hohhot", "鄂尔多斯": "Ordos", "呼伦贝尔": "Hulunbuir", "巴彦淖尔": "Bayannur", "乌兰察布": "Ulanqab",
        "兴安": "Hinggan", "锡林郭勒": "Xilingol", "阿拉善": "Alxa",
        "海拉尔": "Hailar", "扎赉诺尔": "Jalainur", "白云鄂博矿": "Bayan Obo Mining", "科尔沁": "Horqin",
        "额尔古纳": "Ergun", "二连浩特": "Erenhot", "锡林浩特": "Xilinhot", "乌兰浩特": "Ulanhot", "阿尔山": "Arxan",
        "霍林郭勒": "Holingol",
        "土默特左": "Tumed Left", "土默特右": "Tumed Right", "托克托": "Togtoh", "和林格尔": "Horinger",
        "达尔罕茂明安联合": "Darhan Muminggan United", "阿鲁科尔沁": "Ar Horqin", "巴林左": "Bairin Left",
        "巴林右": "Bairin Right", "克什克腾": "Hexigten", "翁牛特": "Ongniud", "喀喇沁": "Harqin",
        "科尔沁左翼中": "Horqin Left Middle", "科尔沁左翼后": "Horqin Left Rear", "库伦": "Hure", "扎鲁特": "Jarud",
        "达拉特": "Dalad", "准格尔": "Jungar", "鄂托克前": "Otog Front", "鄂托克": "Otog", "杭锦": "Hanggin",
        "乌审": "Uxin", "伊金霍洛": "Ejin Horo", "莫力达瓦": "Morin Dawa", "鄂伦春": "Oroqen", "鄂温克": "Evenk",
        "陈巴尔虎": "Old Barag", "新巴尔虎左": "New Barag Left", "新巴尔虎右": "New Barag Right",
        "乌拉特前": "Urad Front", "乌拉特中": "Urad Middle", "乌拉特后": "Urad Rear", "杭锦后": "Hanggin Rear",
        "察哈尔右翼前": "Qahar Right Front", "察哈尔右翼中": "Qahar Right Middle", "察哈尔右翼后": "Qahar Right Rear",
        "科尔沁右翼前": "Horqin Right Front", "科尔沁右翼中": "Horqin Right Middle", "扎赉特": "Jalaid",
        "阿巴嘎": "Abag", "苏尼特左": "Sonid Left", "苏尼特右": "Sonid Right", "东乌珠穆沁": "East Ujimqin",
        "西乌珠穆沁": "West Ujimqin", "阿拉善左": "Alxa Left", "阿拉善右": "Alxa Right", "额济纳": "Ejin"},
    "54": {   # Tibet
        "拉萨": "Lhasa", "日喀则": "Shigatse", "昌都": "Qamdo", "林芝": "Nyingchi", "那曲": "Nagqu", "阿里": "Ngari",
        "当雄": "Damxung", "墨竹工卡": "Maizhokunggar", "江孜": "Gyantse", "定日": "Tingri", "萨迦": "Sakya",
        "拉孜": "Lhatse", "南木林": "Namling", "昂仁": "Ngamring", "聂拉木": "Nyalam", "吉隆": "Gyirong",
        "岗巴": "Gamba", "康马": "Kangmar", "卡若": "Karub", "江达": "Jomda", "贡觉": "Gonjo", "芒康": "Markam",
        "左贡": "Zogang", "八宿": "Baxoi", "洛隆": "Lhorong", "边坝": "Banbar", "米林": "Mainling", "墨脱": "Medog",
        "工布江达": "Gongbo'gyamda", "朗": "Nang", "错那": "Cona", "贡嘎": "Gonggar", "琼结": "Qonggyai",
        "曲松": "Qusum", "措美": "Comai", "洛扎": "Lhozhag", "加查": "Gyaca", "安多": "Amdo", "尼玛": "Nyima",
        "班戈": "Baingoin", "申扎": "Xainza", "嘉黎": "Lhari", "聂荣": "Nyainrong", "索": "Sog", "普兰": "Burang",
        "札达": "Zanda", "噶尔": "Gar", "日土": "Rutog"},
    "65": {   # Xinjiang
        "乌鲁木齐": "Urumqi", "克拉玛依": "Karamay", "吐鲁番": "Turpan", "博尔塔拉": "Bortala", "巴音郭楞": "Bayingolin",
        "阿克苏": "Aksu", "克孜勒苏": "Kizilsu", "喀什": "Kashgar", "和田": "Hotan", "伊犁": "Ili", "阿勒泰": "Altay",
        "沙依巴克": "Saybag", "乌尔禾": "Urho", "托克逊": "Toksun", "巴里坤": "Barkol", "木垒": "Mori",
        "玛纳斯": "Manas", "吉木萨尔": "Jimsar", "库尔勒": "Korla", "和硕": "Hoxud", "库车": "Kuqa", "沙雅": "Xayar",
        "乌什": "Uqturpan", "阿瓦提": "Awat", "柯坪": "Kalpin", "阿图什": "Artux", "阿克陶": "Akto", "阿合奇": "Akqi",
        "乌恰": "Ulugqat", "英吉沙": "Yengisar", "莎车": "Yarkant", "麦盖提": "Makit", "岳普湖": "Yopurga",
        "塔什库尔干": "Taxkorgan", "墨玉": "Karakax", "皮山": "Guma", "洛浦": "Lop", "策勒": "Qira", "于田": "Keriya",
        "民丰": "Niya", "奎屯": "Kuytun", "察布查尔": "Qapqal", "特克斯": "Tekes", "尼勒克": "Nilka", "托里": "Toli",
        "和布克赛尔": "Hoboksar", "布尔津": "Burqin", "吉木乃": "Jeminay", "阿拉尔": "Aral", "图木舒克": "Tumxuk",
        "可克达拉": "Kokdala"},
    "23": {"齐齐哈尔": "Qiqihar"},   # Heilongjiang (Daur)
    "51": {"阿坝": "Ngawa", "马尔康": "Barkam"},   # Sichuan (Tibetan)
    "63": {"果洛": "Golog", "格尔木": "Golmud", "玛多": "Madoi", "达日": "Darlag", "久治": "Jigzhi", "杂多": "Zadoi",
           "治多": "Zhidoi"},   # Qinghai (Mongolian, Tibetan)
}


def customary(code: str, stem: str) -> str | None:
    """The customary English name of a division's ``stem`` in the province of ``code``, if it has one."""
    return CUSTOMARY.get(code[:2], {}).get(stem)
