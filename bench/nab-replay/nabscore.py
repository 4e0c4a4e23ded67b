"""NAB scoring from ../shared/datasets/nab-dev/README.md (the same rules as src/TwinGuard.Server/Offline/NabScorer.cs), for replays."""
import json, math, os, csv, bisect
from datetime import datetime
import os
ROOT=os.environ.get('NAB_DATA', os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/datasets/nab-dev'))
PROFILES=[('standard',1,0.11,1),('low_fp',1,0.22,1),('low_fn',1,0.11,2)]
def sigma(x): return -1.0 if x>=3 else 2/(1+math.exp(5*x))-1
def load():
    wins=json.load(open(ROOT+'/windows.json'))
    out=[]
    for name in sorted(wins):
        ts=[];vals=[]
        with open(ROOT+'/data/'+name) as f:
            r=csv.reader(f);next(r)
            for row in r: ts.append(datetime.strptime(row[0].strip(),'%Y-%m-%d %H:%M:%S')); vals.append(float(row[1]))
        ws=[]
        for a,b in wins[name]:
            a=datetime.strptime(a.split('.')[0],'%Y-%m-%d %H:%M:%S'); b=datetime.strptime(b.split('.')[0],'%Y-%m-%d %H:%M:%S')
            first=bisect.bisect_left(ts,a); last=bisect.bisect_right(ts,b)-1
            ws.append((first,last))
        ws.sort()
        out.append((name,vals,ws))
    return out
def probation(n): return min(n*15//100,750)
def score_file(alarms,ws,prof):
    _,tp,fp,fn=prof
    n=len(alarms);p=probation(n);maxtp=sigma(-1)
    best=[None]*len(ws);fs=0.0;nf=0;nxt=0
    falses=[]
    for i in range(p,n):
        while nxt<len(ws) and ws[nxt][1]<i: nxt+=1
        if not alarms[i]: continue
        if nxt<len(ws) and ws[nxt][0]<=i:
            a,b=ws[nxt];w=b-a+1
            r=tp*sigma(-(b-i+1)/w)/maxtp
            best[nxt]=r if best[nxt] is None else max(best[nxt],r); continue
        nf+=1; falses.append(i)
        if nxt==0: fs-=fp
        else:
            a,b=ws[nxt-1]; fs+=fp*sigma(abs(i-b)/max(1,b-a))
    sc=0;det=0;tot=fs
    for k,(a,b) in enumerate(ws):
        if b<p: continue
        sc+=1
        if best[k] is not None: det+=1; tot+=best[k]
        else: tot-=fn
    return tot,sc,det,nf,falses,best
def corpus(alarms_by_file,data):
    res=[]
    for prof in PROFILES:
        S=0;W=0;D=0;F=0
        for (name,vals,ws) in data:
            t,sc,det,nf,_,_=score_file(alarms_by_file[name],ws,prof)
            S+=t;W+=sc;D+=det;F+=nf
        worst=-prof[3]*W;perfect=prof[1]*W
        res.append(100*(S-worst)/(perfect-worst))
    return res,D,F
