"""Benchmark of wenshu's Chinese search against whoosh's own StandardAnalyzer.

    python tests/bench/bench_search.py                # 10,000 and 50,000 documents (many minutes)
    python tests/bench/bench_search.py --docs 2000    # quick mode
    python tests/bench/bench_search.py --docs 10000 --queries 200

Documents are generated with a fixed seed from sentences of college-office language filled with
random names, numbers, dates and project names, about 2,000 characters each. Every size is
indexed twice in the same run: a body field with whoosh's StandardAnalyzer (the baseline, which
cannot find Chinese words) and wenshu's real index. Then a realistic query mix is run against
wenshu's index, a top-20 page with highlighted snippets each time. Everything is written in a
temporary directory that is removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ISSUERS = [
    # (issuer, 机关代字 of its 发文字号, share of the archive)
    ("东湖大学教务处", "东大教", 16),
    ("东湖大学科研处", "东大科", 12),
    ("东湖大学人事处", "东大人", 10),
    ("东湖大学学生工作部", "东大学工", 9),
    ("东湖大学财务处", "东大财", 8),
    ("东湖大学保卫处", "东大保", 6),
    ("东湖大学校长办公室", "东大校办", 8),
    ("东湖大学党委办公室", "东大党办", 6),
    ("东湖大学研究生院", "东大研", 6),
    ("东湖大学国有资产管理处", "东大资", 4),
    ("湖北省教育厅", "鄂教", 7),
    ("东湖大学化学化工学院", "化学院", 8),
]
DOC_TYPES = [("通知", 45), ("函", 12), ("请示", 8), ("报告", 8), ("纪要", 6), ("通报", 6),
             ("意见", 5), ("决定", 4), ("批复", 4), ("公告", 2)]
DEPARTMENTS = ["教学办", "科研办", "学工办", "综合办", "人事秘书", "实验中心", "党建办"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力宇鹏晨欣怡浩然子涵思远博雅梓轩诗琪雨桐嘉怡俊杰志强海燕晓东国庆春梅立新卫东"
PROJECT_HEADS = ["启明星", "青苗", "攀登", "卓越", "凌云", "砺行", "弘毅", "笃行", "博约", "致远", "星火", "远航", "磐石", "明德", "求是"]
PROJECT_TAILS = ["人才计划", "育才工程", "创新团队", "培育项目", "行动计划", "拔尖计划", "专项", "基金"]
MATERIALS = ["多孔碳材料", "锂硫电池正极", "金属有机框架", "绿色溶剂萃取", "光催化产氢", "聚合物膜分离",
             "纳米催化剂", "生物质转化", "电化学传感器", "高分子阻燃剂", "精细化工中间体", "有机合成方法"]
COURSES = ["有机化学", "物理化学", "分析化学", "无机化学", "化工原理", "化学反应工程", "仪器分析",
           "化工热力学", "高分子化学", "结构化学", "化工设计", "大学化学实验"]
PLACES = ["化学楼A305会议室", "行政楼第二会议室", "图书馆报告厅", "化工楼B区实验室", "学术交流中心一楼报告厅",
          "逸夫楼301教室", "学院党员活动室"]

# Topics: a title phrase and the sentences a document on it is made of. Slots are filled per
# document so that names, numbers and dates vary the way they do in a real archive.
TOPICS = {
    "教学": [
        ("做好{year}年春季学期期末考试工作", "期末考试"),
        ("开展{year}年本科教学质量检查", "教学检查"),
        ("做好{year}届本科毕业设计（论文）工作", "毕业设计"),
        ("修订{year}版本科人才培养方案", "培养方案"),
        ("组织申报{year}年省级一流本科课程", "一流课程"),
    ],
    "科研": [
        ("组织申报{year}年度国家自然科学基金项目", "自然科学基金"),
        ("开展{year}年度科研项目中期检查", "中期检查"),
        ("做好{year}年度科研经费预算调整工作", "科研经费"),
        ("推荐{year}年度湖北省科学技术奖", "科技奖"),
        ("开展横向科研合同清理工作", "横向合同"),
    ],
    "人事": [
        ("做好{year}年度专业技术职务评审工作", "职称评审"),
        ("开展{year}年度教职工年度考核", "年度考核"),
        ("组织{year}年博士后研究人员招收", "博士后"),
        ("做好{year}年高层次人才引进工作", "人才引进"),
    ],
    "学工": [
        ("开展{year}年度国家奖学金评审", "奖学金"),
        ("做好{year}届毕业生就业工作", "就业"),
        ("开展大学生心理健康教育月活动", "心理健康"),
        ("做好{year}年家庭经济困难学生资助工作", "资助"),
    ],
    "财务": [
        ("做好{year}年度部门预算编制工作", "预算"),
        ("规范差旅费报销管理", "报销"),
        ("开展{year}年度专项资金绩效自评", "专项资金"),
    ],
    "安全": [
        ("做好{year}年寒假期间安全稳定工作", "安全"),
        ("开展实验室危险化学品安全专项检查", "危化品"),
        ("开展消防安全隐患排查整治", "消防"),
        ("加强电信网络诈骗防范宣传", "反诈"),
    ],
    "综合": [
        ("{year}年清明节放假安排", "放假"),
        ("召开{year}年党风廉政建设工作会议", "会议"),
        ("做好{year}年度文书档案归档工作", "档案"),
        ("开展{year}年度保密自查自评", "保密"),
    ],
}
SENTENCES = {
    "期末考试": [
        "各学院要严格执行考试巡视制度，主考教师须提前二十分钟到达考场，核对学生身份并宣读考场纪律。",
        "{course}等公共基础课程实行统一命题、统一阅卷，试卷须于{date}前交{issuer_short}考试科封存。",
        "对考试违纪作弊的学生，按照《东湖大学学生违纪处分规定》从严处理，并在{days}个工作日内上报处理意见。",
        "监考人员名单请于{date}前报送{issuer_short}，联系人：{name}，电话：{phone}。",
    ],
    "教学检查": [
        "本次教学检查分为学院自查、学校抽查和专项督导三个阶段，重点检查教学秩序、课堂质量和实验教学安排。",
        "各学院要组织督导专家随堂听课，每位督导专家听课不少于{n}学时，并填写听课记录表。",
        "检查中发现的{course}课程调停课不规范等问题，学院须在{date}前完成整改并提交整改报告。",
        "学校将对检查结果进行通报，并将其纳入学院年度本科教学工作考核。",
    ],
    "毕业设计": [
        "毕业设计（论文）选题应紧密结合生产实际和科研实践，原则上一人一题，{project}相关课题可由多名学生分工完成。",
        "指导教师须具有中级及以上职称，每位教师指导学生人数一般不超过{n}人。",
        "学校将于{date}开展毕业论文查重检测，文字复制比超过百分之三十的不得参加答辩。",
        "请各学院于{date}前将毕业设计（论文）工作安排报送{issuer_short}实践教学科。",
    ],
    "培养方案": [
        "新版培养方案要落实立德树人根本任务，强化课程思政，实践教学学分占比理工科专业不低于百分之二十五。",
        "各专业要对标工程教育专业认证标准，梳理毕业要求与课程体系的支撑关系，{course}等核心课程须明确课程目标。",
        "修订工作由学院教学指导委员会负责，专业负责人{name}牵头组织，初稿请于{date}前提交。",
    ],
    "一流课程": [
        "申报课程须已连续开设两个学期以上，课程团队结构合理，负责人{name}须为本校在职教师。",
        "每个学院限报{n}门，{course}等已获校级立项的课程可优先推荐。",
        "申报材料包括申报书、教学设计样例和课程视频，请于{date}前通过教学管理系统提交。",
    ],
    "自然科学基金": [
        "申请人应认真阅读{year}年度项目指南，准确选择申请代码，申请书须由申请人本人撰写。",
        "学校将组织校内外专家对申请书进行形式审查和预评审，重点关注{material}等研究方向的创新性。",
        "各学院请于{date}前将申请书电子版及承诺书报送科研处，逾期不予受理。",
        "申请项目预算按照包干制要求编制，劳务费、专家咨询费等支出须符合科研经费管理办法。",
        "对获得资助的项目负责人{name}等，学校将按照有关规定给予配套经费支持。",
    ],
    "中期检查": [
        "本次中期检查范围为{year}年立项的在研纵向科研项目，共涉及{n}个项目。",
        "项目负责人须如实填写中期检查报告，说明研究进展、经费使用和阶段性成果情况。",
        "对进展缓慢、经费执行率低于百分之三十的项目，科研处将约谈项目负责人并督促整改。",
        "{project}等校级重点项目同时进行现场答辩，地点为{place}。",
    ],
    "科研经费": [
        "科研经费实行项目负责人负责制，不得虚列支出、虚开发票或者转拨至无关单位。",
        "确需调整预算的，由项目负责人{name}提出申请，经学院审核后报科研处和财务处审批。",
        "设备费调增须提供采购计划和论证意见，单价{money}元以上的设备须按照政府采购规定执行。",
        "请各项目组于{date}前完成本年度科研经费预算执行情况自查。",
    ],
    "科技奖": [
        "推荐项目应具有自主知识产权，主要完成人对项目做出实质性贡献，{material}方向成果应附第三方检测报告。",
        "各学院限额推荐{n}项，推荐材料经公示无异议后于{date}前报送科研处成果科。",
    ],
    "横向合同": [
        "横向科研合同须经学校科研管理部门审核并加盖合同专用章，个人不得以学校名义签订合同。",
        "清理范围为{year}年以前签订但尚未结题的横向合同，合同经费余额超过{money}元的须说明原因。",
    ],
    "职称评审": [
        "申报人须符合《东湖大学专业技术职务评审条件》规定的任职年限、教学工作量和科研业绩要求。",
        "各学院成立考核推荐小组，对申报人师德师风、教学科研业绩进行审核，并公示不少于五个工作日。",
        "申报材料请于{date}前报送人事处师资科，联系人：{name}，电话：{phone}。",
        "对弄虚作假的申报人，实行一票否决，三年内不得再次申报。",
    ],
    "年度考核": [
        "年度考核以岗位职责和聘期任务为依据，考核结果分为优秀、合格、基本合格和不合格四个等次。",
        "优秀等次比例原则上不超过本单位参加考核人数的百分之二十，{department}人员单独核定比例。",
        "考核登记表及汇总表请于{date}前报送人事处，电子版发送至指定邮箱。",
    ],
    "博士后": [
        "招收对象为近三年获得博士学位、年龄一般不超过三十五周岁的优秀青年人才。",
        "合作导师{name}须主持在研国家级科研项目，可提供不少于{money}元的科研经费支持。",
    ],
    "人才引进": [
        "学校围绕{material}等重点方向引进高层次人才，提供具有竞争力的薪酬待遇和科研启动经费。",
        "各学院要制定引才计划，明确岗位职责和考核目标，于{date}前报送人事处人才办。",
        "入选{project}的引进人才，学校按照一人一议的原则给予支持。",
    ],
    "奖学金": [
        "国家奖学金评审坚持公开、公平、公正原则，评审结果须在学院范围内公示不少于五个工作日。",
        "申请学生须学习成绩优异，综合测评排名位于本专业前百分之十，{name}等候选人材料须完整。",
        "各学院请于{date}前将评审结果和申请审批表报送学生工作部资助中心。",
    ],
    "就业": [
        "各学院要落实就业工作一把手工程，建立毕业生就业台账，做到一生一策、精准帮扶。",
        "学校将于{date}在{place}举办{year}届毕业生春季双选会，预计邀请用人单位{n}家。",
        "严禁以任何形式强迫、诱导毕业生签订就业协议，确保就业数据真实准确。",
    ],
    "心理健康": [
        "活动期间将开展心理健康讲座、团体辅导和心理情景剧展演等系列活动。",
        "各学院辅导员要加强对重点关注学生的谈心谈话，发现异常情况及时报告并做好记录。",
    ],
    "资助": [
        "家庭经济困难学生认定实行学生本人申请、班级评议、学院审核和学校复核的程序。",
        "资助资金通过学生本人银行卡发放，任何单位和个人不得截留、挤占、挪用。",
        "请各学院于{date}前完成认定工作，并将认定名单报送学生资助管理中心。",
    ],
    "预算": [
        "部门预算编制坚持量入为出、收支平衡的原则，从严控制一般性支出和三公经费。",
        "各单位须结合事业发展规划和{year}年度重点任务，细化项目支出预算，编报到具体经济分类科目。",
        "预算申报表请于{date}前报送财务处预算科，联系人：{name}，电话：{phone}。",
    ],
    "报销": [
        "出差人员应当按照规定标准乘坐交通工具，住宿费在规定限额内凭发票据实报销。",
        "差旅费报销须提供出差审批单、交通票据和住宿发票，超标准部分由个人承担。",
        "自{date}起，学校全面推行网上报销预约系统，报销单据须在业务发生后{days}个工作日内提交。",
    ],
    "专项资金": [
        "绩效自评应当对照年初设定的绩效目标，逐项说明完成情况，涉及金额{money}元以上的项目须附佐证材料。",
        "对自评结果较差的项目，学校将相应调减下一年度预算安排。",
    ],
    "安全": [
        "各单位要严格落实安全稳定工作责任制，主要负责人是本单位安全工作第一责任人。",
        "假期前要对实验室、学生宿舍、食堂等重点部位开展一次全面的安全检查，及时消除隐患。",
        "假期实行二十四小时值班和领导带班制度，值班人员须保持通讯畅通，值班表请于{date}前报送保卫处。",
        "遇有突发事件，要立即启动应急预案，第一时间报告学校总值班室，电话：{phone}。",
    ],
    "危化品": [
        "检查重点包括危险化学品采购审批、储存管理、使用登记和废弃物处置等环节。",
        "易制毒、易制爆化学品须实行双人双锁管理，台账记录须与实物相符。",
        "{place}等实验场所须张贴安全信息牌，配备必要的防护用品和应急物资。",
        "对检查发现的问题，各学院要在{days}个工作日内完成整改，整改情况报送国有资产管理处和保卫处。",
    ],
    "消防": [
        "各单位要全面排查消防通道堵塞、消防设施损坏、违规使用大功率电器等隐患。",
        "学生宿舍严禁私拉乱接电线，严禁使用违章电器，辅导员每周至少检查一次。",
    ],
    "反诈": [
        "近期冒充客服退款、刷单返利等电信网络诈骗案件多发，请广大师生提高警惕。",
        "各学院要利用班会、新生入学教育等时机，开展反诈宣传，提醒学生不要轻信陌生来电。",
    ],
    "放假": [
        "根据国务院办公厅通知精神，结合学校实际，现将清明节放假安排通知如下。",
        "放假期间，各单位要妥善安排值班，做好安全保卫工作，遇有重大问题及时报告。",
    ],
    "会议": [
        "会议由党委书记{name}主持，传达学习上级有关会议精神，部署本年度重点工作。",
        "会议时间：{date}上午九时，会议地点：{place}，请参会人员提前十分钟入场。",
        "会议议定：由学院办公室牵头，{department}配合，于{date}前完成相关制度的修订。",
    ],
    "档案": [
        "各单位要按照《归档文件整理规则》要求，对本单位形成的文书档案进行整理，做到应归尽归。",
        "归档文件以件为单位装订、编号和编目，档号编制须符合学校档案分类方案。",
        "请于{date}前将归档文件移交档案馆，移交时须填写归档文件目录一式两份。",
    ],
    "保密": [
        "各单位要对照保密自查自评标准，逐项检查涉密人员管理、涉密载体管理和计算机信息系统保密管理情况。",
        "严禁在非涉密计算机上存储、处理涉密信息，严禁将涉密载体带出办公场所。",
    ],
}
GENERAL = [
    "为深入贯彻落实全国教育大会精神，进一步提高学校治理能力和管理水平，现将有关事项通知如下。",
    "各学院要高度重视，加强组织领导，明确责任分工，确保各项工作按时保质完成。",
    "请各单位于{date}前将有关材料纸质版一式两份及电子版报送{issuer_short}。",
    "联系人：{name}，联系电话：{phone}，电子邮箱：{email}。",
    "工作中如遇问题，请及时与{issuer_short}联系。",
    "本通知自印发之日起施行，由{issuer_short}负责解释。",
    "学院将结合{project}建设要求，统筹推进学科建设、人才培养和科学研究各项工作。",
    "经研究，同意{name}同志任化学化工学院{department}负责人，试用期一年。",
    "根据《东湖大学{year}年工作要点》，学院对本学期重点工作进行了梳理，形成如下安排。",
    "此项工作涉及面广、政策性强，各单位要严格按照规定程序办理，不得擅自简化程序。",
    "学院已于{date}召开专题会议进行研究部署，明确由{department}具体负责落实。",
    "特此通知。",
    "妥否，请批示。",
    "以上报告，请审阅。",
    "现将有关情况报告如下：一是工作进展总体顺利，二是存在的主要问题，三是下一步工作打算。",
    "目前共完成{n}项，完成率达到百分之{pct}，较去年同期提高{pct2}个百分点。",
    "请予支持为盼。",
]


def _weighted(rnd: random.Random, items: list[tuple]) -> tuple:
    return rnd.choices(items, weights=[item[-1] for item in items])[0]


class Generator:
    """Deterministic generator of registry-like records (the dict the registry hands to reindex)."""

    def __init__(self, seed: int = 2026):
        self.rnd = random.Random(seed)
        self.seq = {"收文": 0, "发文": 0}

    def name(self) -> str:
        rnd = self.rnd
        given = rnd.choice(GIVEN) + (rnd.choice(GIVEN) if rnd.random() < 0.7 else "")
        return rnd.choice(SURNAMES) + given

    def fill(self, sentence: str, issuer: str, year: int) -> str:
        rnd = self.rnd
        short = issuer.replace("东湖大学", "") or issuer
        when = date(year, rnd.randint(1, 12), rnd.randint(1, 28))
        return sentence.format(
            year=year, date=f"{when.year}年{when.month}月{when.day}日", name=self.name(),
            phone=f"027-8{rnd.randint(1000000, 9999999)}", email=f"office{rnd.randint(1, 99)}@dhu.edu.cn",
            issuer_short=short, n=rnd.randint(2, 40), days=rnd.choice([3, 5, 7, 10]),
            money=rnd.choice([5000, 10000, 50000, 100000, 200000]), pct=rnd.randint(60, 99),
            pct2=rnd.randint(1, 15), course=rnd.choice(COURSES), material=rnd.choice(MATERIALS),
            place=rnd.choice(PLACES), department=rnd.choice(DEPARTMENTS),
            project=rnd.choice(PROJECT_HEADS) + rnd.choice(PROJECT_TAILS))

    def record(self, index: int) -> dict:
        rnd = self.rnd
        issuer, code, _ = _weighted(rnd, ISSUERS)
        doc_type, _ = _weighted(rnd, DOC_TYPES)
        area = rnd.choice(list(TOPICS))
        title_phrase, topic = rnd.choice(TOPICS[area])
        year = rnd.choice([2024, 2025, 2026])
        day = date(year, 1, 1) + timedelta(days=rnd.randint(0, 364))
        direction = "发文" if issuer == "东湖大学化学化工学院" else "收文"
        self.seq[direction] += 1
        title = f"{issuer}关于{title_phrase.format(year=year)}的{doc_type}"
        parts = [title, "各学院、各部门：" if direction == "收文" else "学校办公室："]
        pool = SENTENCES[topic]
        while sum(map(len, parts)) < 1900:
            source = pool if rnd.random() < 0.6 else GENERAL
            parts.append(self.fill(rnd.choice(source), issuer, year))
        parts.append(f"{issuer}\n{day.year}年{day.month}月{day.day}日")
        reg_no = (f"收〔{year}〕{self.seq['收文']}号" if direction == "收文"
                  else f"化学院发〔{year}〕{self.seq['发文']}号")
        return {
            "reg_no": reg_no, "direction": direction,
            "registered_at": datetime(day.year, day.month, day.day, 9, 30) + timedelta(days=rnd.randint(0, 5)),
            "doc_type": doc_type, "doc_number": f"{code}{'函' if doc_type == '函' else '发'}〔{year}〕{rnd.randint(1, 300)}号",
            "issuer": issuer, "title": title, "date": day,
            "secrecy": "秘密" if rnd.random() < 0.01 else None,
            "urgency": rnd.choice([None] * 8 + ["加急", "特急"]),
            "route": rnd.choice(["办件", "阅件"]), "department": rnd.choice(DEPARTMENTS),
            "archive_code": f"0001-WS·{year}-D30-BGS-{index + 1:04d}",
            "text": "\n".join(parts), "version": 1,
        }

    def records(self, count: int) -> list[dict]:
        return [self.record(i) for i in range(count)]


# --- the benchmark ----------------------------------------------------------------------------

QUERY_MIX = {
    "word": ["科研", "安全", "经费", "奖学金", "危险化学品", "启明星", "答辩", "值班", "职称", "预算", "毕业设计", "反诈"],
    "two words": ["科研 经费", "实验室 安全", "考试 巡视", "资助 认定", "消防 隐患", "就业 双选会", "课程 思政", "档案 归档"],
    "phrase": ['"科研经费"', '"危险化学品"', '"年度考核"', '"一流本科课程"', '"电信网络诈骗"', '"人才培养方案"'],
    "doc number": [],  # filled from the generated records
    "filters": ["文种:通知 安全", "发文机关:教务处 考试", "日期:2025-01-01..2025-06-30 经费", "教务处的函",
                "去年12月的请示", "特急 办件", "我们上报的报告", "文种:函 日期:2026-01..2026-03", "省教育厅 经费"],
}


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def index_baseline(records: list[dict], folder: Path, *, chunk: int, procs: int) -> float:
    """whoosh's StandardAnalyzer on the body, written the same way wenshu's reindex writes."""
    from whoosh import fields, index
    from whoosh.analysis import StandardAnalyzer

    schema = fields.Schema(reg_no=fields.ID(stored=True, unique=True), body=fields.TEXT(analyzer=StandardAnalyzer()))
    folder.mkdir(parents=True)
    ix = index.create_in(str(folder), schema)
    started = time.perf_counter()
    for start in range(0, len(records), chunk):
        options = {"limitmb": 128}
        if procs > 1:
            options.update(procs=procs, multisegment=True)
        writer = ix.writer(**options)
        for record in records[start:start + chunk]:
            writer.add_document(reg_no=record["reg_no"], body=record["text"])
        writer.commit()
    elapsed = time.perf_counter() - started
    ix.close()
    return elapsed


def index_wenshu(records: list[dict], settings, *, chunk: int, procs: int) -> float:
    from index import reindex

    started = time.perf_counter()
    reindex(settings, records, total=len(records), chunk_size=chunk, procs=procs)
    return time.perf_counter() - started


def run_queries(settings, records: list[dict], rounds: int) -> tuple[dict[str, list[float]], list[float]]:
    """Timings per kind of query (warm: every query seen before) and of the first pass (cold:
    each query for the first time, its words' postings read from disk unless an earlier query
    of the mix already used them)."""
    from index import search
    from index.engine import clear_caches

    mix = dict(QUERY_MIX)
    rnd = random.Random(7)
    numbers = [r["doc_number"] for r in rnd.sample(records, 6)]
    mix["doc number"] = [v for n in numbers for v in (n, n.replace("〔", "[").replace("〕", "]"))]
    today = date(2026, 3, 15)
    search(settings, "打开索引", limit=20, today=today)  # open the searcher, load rjieba's dictionary
    clear_caches()
    cold: list[float] = []
    for queries in mix.values():
        for q in queries:
            started = time.perf_counter()
            search(settings, q, limit=20, today=today)
            cold.append((time.perf_counter() - started) * 1000)
    timings: dict[str, list[float]] = {name: [] for name in mix}
    for _ in range(rounds):
        for name, queries in mix.items():
            for q in queries:
                sort = "date" if rnd.random() < 0.2 else "relevance"
                started = time.perf_counter()
                result = search(settings, q, limit=20, today=today, sort=sort)
                timings[name].append((time.perf_counter() - started) * 1000)
                assert result.total >= 0
    return timings, cold


def bench(size: int, *, chunk: int, procs: int, rounds: int) -> dict:
    from core.settings import load_settings

    print(f"\n--- {size:,} documents ---", flush=True)
    started = time.perf_counter()
    records = Generator().records(size)
    chars = sum(len(r["text"]) for r in records) / size
    print(f"generated in {time.perf_counter() - started:.1f} s, {chars:,.0f} characters per document", flush=True)
    work = Path(tempfile.mkdtemp(prefix="wenshu-bench-search-"))
    try:
        base_s = index_baseline(records, work / "standard", chunk=chunk, procs=procs)
        print(f"StandardAnalyzer: {size / base_s:,.0f} docs/s", flush=True)
        settings = load_settings(data_dir=work / "data", env={})
        wen_s = index_wenshu(records, settings, chunk=chunk, procs=procs)
        print(f"wenshu:           {size / wen_s:,.0f} docs/s", flush=True)
        timings, cold = run_queries(settings, records, rounds)
        every = [t for values in timings.values() for t in values]
        return {
            "size": size, "base_dps": size / base_s, "wen_dps": size / wen_s,
            "base_mb": _dir_size(work / "standard") / 1e6, "wen_mb": _dir_size(settings.index_dir) / 1e6,
            "p50": _percentile(every, 50), "p95": _percentile(every, 95), "queries": len(every),
            "cold_p50": _percentile(cold, 50), "cold_p95": _percentile(cold, 95),
            "by_kind": {name: (_percentile(v, 50), _percentile(v, 95)) for name, v in timings.items()},
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def analysis_floor(count: int = 3000) -> None:
    """What wenshu's Chinese analysis alone costs (normalise, bigrams of the text, rjieba words of
    the title; no index written), against StandardAnalyzer's whole indexing, one process."""
    from index.analysis import bigrams, jieba_tokens, normalize

    records = Generator(seed=7).records(count)
    with tempfile.TemporaryDirectory(prefix="wenshu-bench-floor-") as folder:
        base_ms = index_baseline(records, Path(folder) / "standard", chunk=count, procs=1) / count * 1000
    started = time.perf_counter()
    for record in records:
        bigrams(normalize(f"{record['title']}\n{record['doc_number']}\n{record['text']}"))
        jieba_tokens(normalize(record["title"]))
    analysis_ms = (time.perf_counter() - started) / count * 1000
    print(f"\nFloor, one process, {count:,} documents: wenshu's analysis alone (no index) {analysis_ms:.2f} ms/doc, "
          f"{analysis_ms / base_ms:.0%} of StandardAnalyzer's whole indexing ({base_ms:.2f} ms/doc); a ratio of 0.5 "
          f"leaves {2 * base_ms - analysis_ms:.2f} ms/doc for everything else")


def print_table(rows: list[dict]) -> None:
    print("\nIndexing (same chunking and processes for both; ratio = wenshu / StandardAnalyzer, goal >= 0.5)")
    print(f"{'docs':>8} | {'Standard docs/s':>15} | {'wenshu docs/s':>13} | {'ratio':>5} | {'Standard MB':>11} | {'wenshu MB':>9}")
    for r in rows:
        print(f"{r['size']:>8,} | {r['base_dps']:>15,.0f} | {r['wen_dps']:>13,.0f} | {r['wen_dps'] / r['base_dps']:>5.2f} "
              f"| {r['base_mb']:>11,.1f} | {r['wen_mb']:>9,.1f}")
    print("\nSearch, top-20 page with highlighted snippets, ms (goal: p95 <= 100 at 50,000 docs)")
    kinds = list(rows[0]["by_kind"])
    print(f"{'docs':>8} | {'cold p50':>8} | {'cold p95':>8} | {'warm p50':>8} | {'warm p95':>8} | "
          + " | ".join(f"{k:>15}" for k in kinds))
    for r in rows:
        cells = " | ".join(f"{r['by_kind'][k][0]:>6.1f} /{r['by_kind'][k][1]:>6.1f}" for k in kinds)
        print(f"{r['size']:>8,} | {r['cold_p50']:>8.1f} | {r['cold_p95']:>8.1f} | {r['p50']:>8.1f} | {r['p95']:>8.1f} | "
              f"{cells}")
    print("(cold: first time each query is run; warm: the mix again, 20% sorted by date; per kind: warm p50 / p95)")


def corpus_options(parser: argparse.ArgumentParser, rounds_help: str) -> None:
    """The options of the benchmarks that index bench_search's corpus at several sizes."""
    parser.add_argument("--docs", default="10000,50000", help="comma-separated corpus sizes (default 10000,50000)")
    parser.add_argument("--quick", action="store_true", help="same as --docs 2000 --rounds 1")
    parser.add_argument("--chunk", type=int, default=5000, help="documents per commit (reindex's default)")
    parser.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1), help="indexing processes")
    parser.add_argument("--rounds", type=int, default=3, help=rounds_help)


def corpus_sizes(args: argparse.Namespace) -> tuple[list[int], int]:
    """The corpus sizes and query rounds ``corpus_options`` asked for."""
    if args.quick:
        return [2000], 1
    return [int(s.replace("_", "")) for s in args.docs.split(",") if s.strip()], args.rounds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    corpus_options(parser, "times the query mix is run")
    args = parser.parse_args(argv)
    sizes, rounds = corpus_sizes(args)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    rows = [bench(size, chunk=args.chunk, procs=args.procs, rounds=rounds) for size in sizes]
    print_table(rows)
    analysis_floor()
    return 0


if __name__ == "__main__":
    sys.exit(main())
